"""The bot stays only in the dispatch group, and follows it when it becomes a supergroup."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import ChatMigrated

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.domain.events import EventKind
from bot.outbox import Method, Outgoing, Status
from bot.state import AppState
from botapi_emulator import CallRecord, Emulator
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


def _notices(chat_id: int, *texts: str) -> list[Outgoing]:
    return [
        Outgoing(chat_id, Method.SEND_MESSAGE, {"text": text}, key=f"notice:{n}", purpose="group")
        for n, text in enumerate(texts)
    ]


async def _queue(state: AppState, messages: list[Outgoing]) -> None:
    async with state.repos.db.transaction():
        await state.repos.outbox.add(*messages)
    state.outbox.wake()


def _sent_to(emulator: Emulator, chat_id: int) -> list[CallRecord]:
    return [c for c in emulator.calls_to("sendMessage") if int(c.params["chat_id"]) == chat_id]


async def test_notices_queued_for_the_old_group_reach_the_supergroup(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    dispatch = emulator.group("Dispatch", members=[owner])
    state = state_of(await start_ferryman(owners=(owner.id,), group_chat_id=dispatch.id))
    await state.outbox.stop()  # the notices are still queued when the group is upgraded
    await _queue(state, _notices(dispatch.id, "Digest", "Late: #7"))

    upgraded = await dispatch.upgrade(by=owner)
    for _ in range(250):  # the bot reads the upgrade's service messages
        if state.group_chat_id == upgraded.id:
            break
        await asyncio.sleep(0.02)
    state.outbox.start(state)

    assert str(upgraded.id) in ((await owner.next_message()).text or "")
    assert [m.text for m in await upgraded.next_messages(2)] == ["Digest", "Late: #7"]
    await emulator.drained()
    assert _sent_to(emulator, dispatch.id) == []  # nothing was even tried at the old id


async def test_a_notice_refused_because_the_group_moved_goes_to_the_supergroup(
    emulator: Emulator, make_settings: MakeSettings, clock: FixedClock
) -> None:
    """The bot missed the upgrade (it was down and dropped the updates it missed): Telegram
    refuses the old id, naming the new one, and the queue follows it, nothing lost."""
    owner = emulator.user("Li Wei", lang="en", started=True)
    dispatch = emulator.group("Dispatch", members=[owner])
    settings = make_settings(
        owners=(owner.id,),
        group_chat_id=dispatch.id,
        extra={"telegram": {"drop_pending_updates": True}},
    )
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        state = state_of(app)
        await state.outbox.stop()  # queued, not yet sent, when the bot stops
        await _queue(state, _notices(dispatch.id, "Digest", "Late: #7", "Flagged: #9"))

    upgraded = await dispatch.upgrade(by=owner)  # while the bot is down
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        state = state_of(app)
        texts = [m.text for m in await upgraded.next_messages(3)]
        assert texts == ["Digest", "Late: #7", "Flagged: #9"]
        notice = (await owner.next_message()).text or ""
        assert str(dispatch.id) in notice and str(upgraded.id) in notice  # owners told once
        await emulator.drained()
        await owner.no_message()
        refused = _sent_to(emulator, dispatch.id)
        assert [c.status for c in refused] == [400]  # one refusal, then the new id
        assert state.group_chat_id == upgraded.id
        for n in range(3):
            row = await state.repos.outbox.get(f"notice:{n}")
            assert row is not None and row.status is Status.SENT
            assert row.message.chat_id == upgraded.id
        kinds = [e.kind for e in await state.repos.events.all()]
        assert kinds.count(EventKind.GROUP_MIGRATED) == 1

    app = build_application(settings, clock)
    async with running(app, settings, clock):  # the new id is kept across a restart
        assert state_of(app).group_chat_id == upgraded.id
