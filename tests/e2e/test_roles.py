"""Roles in chat: owners add and remove admins and checkpoint staff, menus follow the role,
/whoami, each person's language; everyone else is refused in their own language."""

from __future__ import annotations

import re

import pytest

from bot.commands import ADMIN_COMMANDS
from bot.domain.events import EventKind
from bot.roles import admin_languages
from bot.state import FerrymanApp
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import state_of

ADMIN_ONLY = "This command is for company admins."
OWNER_ONLY = "Only the company's owners can change who is staff."


def _link(text: str) -> str:
    match = re.search(r"\?start=(staff_[A-Za-z0-9_-]+)", text)
    assert match is not None, text
    return match.group(1)


async def _staff_link(owner: EmulatedUser, button: str) -> str:
    await owner.send("/admins")
    listing = await owner.next_message()
    await (await owner.press(listing, button)).answer()  # type: ignore[union-attr]
    return _link((await owner.next_message()).text or "")


async def _driver(app: FerrymanApp, user: EmulatedUser) -> None:
    await add_driver(app, user, phone="+8613800000009", language="en")


async def test_owner_adds_an_admin_by_link_and_removes_them(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    state = state_of(app)
    zhao = emulator.user("Zhao Min", lang="zh")
    payload = await _staff_link(owner, "➕ Admin: link")

    await zhao.send(f"/start {payload}")
    assert "管理员" in ((await zhao.next_message()).text or "")
    assert "Zhao Min used your link and is now an admin" in (
        (await owner.next_message()).text or ""
    )
    assert "invite" in [c["command"] for c in zhao.menu_commands()]
    await zhao.send("/invite Pan")
    assert "t.me" in ((await zhao.next_message()).text or "")
    invited = [e for e in await state.repos.events.all() if e.kind is EventKind.INVITATION_CREATED]
    assert invited[0].actor_telegram_id == zhao.id
    # The link worked once.
    other = emulator.user("Other Person", lang="en")
    await other.send(f"/start {payload}")
    assert "already been used" in ((await other.next_message()).text or "")

    await owner.send("/admins")
    listing = await owner.next_message()
    assert "Zhao Min" in (listing.text or "")
    await (await owner.press(listing, "✖ Zhao Min")).answer()  # type: ignore[union-attr]
    await zhao.send("/invite Pan")
    assert "t.me" not in ((await zhao.next_message()).text or "")
    assert "invite" not in [c["command"] for c in zhao.menu_commands()]
    kinds = [(e.kind, e.actor_telegram_id) for e in await state.repos.events.all()]
    assert (EventKind.STAFF_INVITED, owner.id) in kinds
    assert (EventKind.ADMIN_ADDED, owner.id) in kinds
    assert (EventKind.ADMIN_REMOVED, owner.id) in kinds


async def test_owner_adds_checkpoint_staff_by_contact_who_may_only_verify(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    guard = emulator.user("Aidar Bekov", lang="ru", phone="+77010000001")
    await owner.send("/admins")
    listing = await owner.next_message()
    await (await owner.press(listing, "➕ Checkpoint: contact")).answer()  # type: ignore[union-attr]
    assert "Share the contact" in ((await owner.next_message()).text or "")
    await owner.share_contact(guard)
    assert "Aidar Bekov is now checkpoint staff" in ((await owner.next_message()).text or "")
    # A contact with no Telegram account cannot be staff.
    await (await owner.press(listing, "➕ Admin: contact")).answer()  # type: ignore[union-attr]
    await owner.next_message()
    await owner.share_contact(phone="+77010000002", first_name="Paper")
    assert "no Telegram account" in ((await owner.next_message()).text or "")

    await guard.send("/verify NOT-A-CODE")
    assert "❌" in ((await guard.next_message()).text or "")
    await guard.send("/qrsheet")
    assert "только для администраторов" in ((await guard.next_message()).text or "")
    await guard.send("/start")
    await guard.next_message()
    assert guard.menu_commands()[0]["command"] == "verify"
    events = await state_of(app).repos.events.all()
    added = [e for e in events if e.kind is EventKind.CHECKPOINT_ADDED]
    assert added[0].actor_telegram_id == owner.id and added[0].payload["via"] == "contact"


async def test_admins_is_refused_for_an_admin_a_driver_checkpoint_staff_and_a_stranger(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    admin = emulator.user("Zhao Min", lang="en", started=True)
    driver = emulator.user("Pan Guangde", lang="en", started=True)
    guard = emulator.user("Aidar Bekov", lang="ru", started=True)
    stranger = emulator.user("Nobody", lang="zh", started=True)
    app = await start_ferryman(
        owners=(owner.id,), extra={"clearance": {"checkpoint_users": [guard.id]}}
    )
    await state_of(app).repos.admins.add(admin.id, owner.id, FIXED_NOW)
    await _driver(app, driver)
    for person, refusal in (
        (admin, OWNER_ONLY),
        (driver, OWNER_ONLY),
        (guard, "могут только владельцы компании"),
        (stranger, "只有公司负责人"),
    ):
        await person.send("/admins")
        assert refusal in ((await person.next_message()).text or ""), person
    kinds = [e.kind for e in await state_of(app).repos.events.all()]
    assert EventKind.STAFF_INVITED not in kinds


@pytest.mark.parametrize("command", [name for name, _ in ADMIN_COMMANDS if name != "verify"])
async def test_admin_commands_are_refused_for_a_driver_checkpoint_staff_and_a_stranger(
    emulator: Emulator, start_ferryman: StartFerryman, command: str
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    driver = emulator.user("Pan Guangde", lang="en", started=True)
    guard = emulator.user("Aidar Bekov", lang="ru", started=True)
    stranger = emulator.user("Nobody", lang="zh", started=True)
    app = await start_ferryman(
        owners=(owner.id,), extra={"clearance": {"checkpoint_users": [guard.id]}}
    )
    await _driver(app, driver)
    for person, refusal in (
        (driver, ADMIN_ONLY),
        (guard, "только для администраторов"),
        (stranger, "仅供公司管理员使用"),
    ):
        await person.send(f"/{command} 1")
        assert refusal in ((await person.next_message()).text or ""), (person, command)


async def test_whoami_in_private_and_in_the_dispatch_group(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    stranger = emulator.user("Nobody", lang="en", started=True)
    group = emulator.group("Dispatch", members=[owner, stranger])
    await start_ferryman(owners=(owner.id,), group_chat_id=group.id)
    await stranger.send("/whoami")
    reply = (await stranger.next_message()).text or ""
    assert str(stranger.id) in reply and "not registered" in reply
    await group.send(owner, "/whoami")
    in_group = (await group.next_message()).text or ""
    assert str(owner.id) in in_group and str(group.id) in in_group and "owner" in in_group


async def test_menus_per_role_and_language_and_none_in_groups(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    driver = emulator.user("Pan Guangde", lang="zh", started=True)
    group = emulator.group("Dispatch", members=[owner, driver])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=group.id)
    await _driver(app, driver)
    owner_menu = [c["command"] for c in owner.menu_commands()]
    assert owner_menu[0] == "admins" and "invite" in owner_menu and "today" not in owner_menu
    driver_menu = driver.menu_commands()
    assert driver_menu[0]["command"] == "today"
    assert "admins" not in [c["command"] for c in driver_menu]
    assert owner.menu_commands(group) == [] and driver.menu_commands(group) == []


async def test_an_admins_language_is_stored_and_changed_with_language(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="zh", started=True)
    app = await start_ferryman(owners=(owner.id,))
    state = state_of(app)
    await owner.send("/start")
    assert "管理员" in ((await owner.next_message()).text or "")
    assert (await admin_languages(state))[owner.id] == "zh"
    await owner.send("/language")
    choose = await owner.next_message()
    await (await owner.press(choose, "Русский")).answer()  # type: ignore[union-attr]
    await owner.next_message()
    assert (await admin_languages(state))[owner.id] == "ru"
    assert owner.menu_commands()[0]["command"] == "admins"
    await owner.send("/qrsheet 2025-13-01")
    assert "/qrsheet" in ((await owner.next_message()).text or "")
