"""/broadcast and /dispatch: through the outbox, with the admin's message counting along."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.domain.events import EventKind
from bot.state import FerrymanApp
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import MakeSettings, StartFerryman
from tests.e2e.admin_helpers import add_driver, until
from tests.e2e.helpers import state_of

CHECKPOINT_ID = 900_000_080


@pytest.fixture
async def office(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, list[EmulatedUser]]:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(
        owners=(owner.id,), extra={"clearance": {"checkpoint_users": [CHECKPOINT_ID]}}
    )
    drivers = [emulator.user(f"Driver {n}", lang="zh", started=True) for n in range(3)]
    for n, user in enumerate(drivers):
        await add_driver(app, user, f"司机{n}", f"861390000000{n}")
    await add_driver(app, None, "Not Yet", "+77011234567")  # no Telegram account
    return app, owner, drivers


async def test_broadcast_counts_delivered_and_blocked(office: Any) -> None:
    app, owner, drivers = office
    await drivers[2].block()
    # Telegram tells the bot at once; the admins hear who blocked it (once).
    assert "司机2" in ((await owner.next_message()).text or "")
    await owner.send("/broadcast 明天霍尔果斯口岸闭关一天。\nNo trips on Friday.")
    progress = await owner.next_message()
    for user in drivers[:2]:
        assert (
            await user.next_message()
        ).text == "明天霍尔果斯口岸闭关一天。\nNo trips on Friday."
    await state_of(app).outbox.idle()
    for _ in range(400):
        if "done" in (progress.text or ""):
            break
        await drivers[0].no_message(0.05)
    # The driver who blocked the bot is known unreachable already, so not even queued.
    assert progress.text == "📣 Broadcast to 2 drivers done: 2 delivered, 0 blocked, 0 failed."
    kinds = [e.kind for e in await state_of(app).repos.events.all()]
    assert EventKind.BROADCAST in kinds
    await owner.send("/broadcast")
    assert "Usage: /broadcast" in ((await owner.next_message()).text or "")


async def test_broadcast_progress_keeps_counting_after_a_restart(
    emulator: Emulator, make_settings: MakeSettings, clock: FixedClock
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    drivers = [emulator.user(f"Driver {n}", lang="zh", started=True) for n in range(3)]
    settings = make_settings(owners=(owner.id,))
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        for n, user in enumerate(drivers):
            await add_driver(app, user, f"司机{n}", f"861390000000{n}")
        # The bot goes down before its sender gets to the messages: they wait in the outbox.
        await state_of(app).outbox.stop()
        await owner.send("/broadcast 明天口岸闭关。")
        progress = await owner.next_message()
        assert progress.text == "📣 Broadcast to 3 drivers: 0 delivered, 0 blocked, 0 failed…"
    assert not any(user.messages for user in drivers)

    app = build_application(settings, clock)
    async with running(app, settings, clock):
        for user in drivers:
            assert (await user.next_message()).text == "明天口岸闭关。"
        # The message the admin saw before the restart counts on to the end.
        await until(lambda: "done" in (progress.text or ""))
    assert progress.text == "📣 Broadcast to 3 drivers done: 3 delivered, 0 blocked, 0 failed."
    await owner.no_message()  # edited in place, not sent again


async def test_dispatch_of_an_empty_day_and_a_bad_date(office: Any) -> None:
    _, owner, _ = office
    await owner.send("/dispatch 2025-03-11")
    assert (await owner.next_message()).text == (
        "📤 Dispatch for 2025-03-11: 0 trips queued now, 0 already queued or sent, 0 held back "
        "(listed in a separate message)."
    )
    await owner.send("/dispatch tomorrow")
    assert "is not a date" in ((await owner.next_message()).text or "")


async def test_only_admins_dispatch_or_broadcast(office: Any, emulator: Emulator) -> None:
    _, _, drivers = office
    checkpoint = emulator.user("Gate", lang="en", started=True, user_id=CHECKPOINT_ID)
    stranger = emulator.user("Nobody", lang="en", started=True)
    for person in (drivers[0], checkpoint, stranger):
        await person.send("/dispatch")
        await person.send("/broadcast hello everyone")
    assert all("管理员" in (m.text or "") for m in await drivers[0].next_messages(2))
    for person in (checkpoint, stranger):
        replies = await person.next_messages(2)
        assert all("for company admins" in (r.text or "") for r in replies)
