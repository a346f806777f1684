"""The bot stays only in the dispatch group, and follows it when it becomes a supergroup."""

from __future__ import annotations

import pytest
from telegram.error import ChatMigrated

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.domain.events import EventKind
from botapi_emulator import Emulator
from tests.conftest import MakeSettings, StartFerryman
from tests.e2e.helpers import state_of


async def test_added_to_another_group_the_bot_tells_the_owners_and_leaves(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    zhao = emulator.user("Zhao Min", lang="en", started=True)
    dispatch = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=dispatch.id)
    other = emulator.group("Family chat", members=[zhao], with_bot=False)
    await other.add_bot(by=zhao)

    notice = (await owner.next_message()).text or ""
    assert "Family chat" in notice and str(other.id) in notice and "Zhao Min" in notice
    assert "group_chat_id" in notice
    assert not other.has_bot
    assert dispatch.has_bot
    left = [e for e in await state_of(app).repos.events.all() if e.kind is EventKind.GROUP_LEFT]
    assert left[0].actor_telegram_id == zhao.id and left[0].payload["chat_id"] == other.id
    await emulator.drained()
    assert other.messages == []  # it says nothing in a group it does not belong to


async def test_a_dispatch_group_upgraded_to_a_supergroup_is_followed(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="ru", started=True)
    dispatch = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=dispatch.id)
    state = state_of(app)
    await owner.send("/start")
    await owner.next_message()

    upgraded = await dispatch.upgrade(by=owner)
    notice = (await owner.next_message()).text or ""
    assert str(dispatch.id) in notice and str(upgraded.id) in notice and "group_chat_id" in notice
    assert state.group_chat_id == upgraded.id
    # Telegram refuses the old id and names the new one.
    with pytest.raises(ChatMigrated) as refused:
        await app.bot.send_message(dispatch.id, "hello")
    assert refused.value.new_chat_id == upgraded.id
    # The bot stays in the new supergroup and answers there.
    await upgraded.send(owner, "/whoami")
    assert str(upgraded.id) in ((await upgraded.next_message()).text or "")
    kinds = [e.kind for e in await state.repos.events.all()]
    assert kinds.count(EventKind.GROUP_MIGRATED) == 1  # both service messages, one change


async def test_the_followed_group_survives_a_restart(
    emulator: Emulator, make_settings: MakeSettings, clock: FixedClock
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    dispatch = emulator.group("Dispatch", members=[owner])
    settings = make_settings(owners=(owner.id,), group_chat_id=dispatch.id)
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        upgraded = await dispatch.upgrade(by=owner)
        await owner.next_message()
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        assert state_of(app).group_chat_id == upgraded.id
        await upgraded.send(owner, "/whoami")
        assert str(upgraded.id) in ((await upgraded.next_message()).text or "")
