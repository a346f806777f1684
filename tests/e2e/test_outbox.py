"""The outbox: what the bot sends on its own arrives once, in order, despite Telegram's moods."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.jobs import queue_group_digest
from bot.outbox import Method, Outgoing, Priority, Status
from bot.state import AppState
from botapi_emulator import Emulator, Fault
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import assign, dispatch, receive_assignment, state_of, tap

ENGLISH = {"company": {"default_language": "en"}}


def note(chat_id: int, text: str, key: str, priority: Priority = Priority.ROUTINE) -> Outgoing:
    return Outgoing(chat_id, Method.SEND_MESSAGE, {"text": text}, key=key, priority=priority)


async def queue(state: AppState, *messages: Outgoing) -> int:
    async with state.repos.db.transaction():
        added = await state.repos.outbox.add(*messages)
    state.outbox.wake()
    return added


async def test_a_message_is_sent_once_and_its_telegram_id_kept(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    pan = emulator.user("Pan Guangde", started=True)
    state = state_of(await start_ferryman())
    assert await queue(state, note(pan.id, "Hello", "hello:1")) == 1
    assert await queue(state, note(pan.id, "Hello", "hello:1")) == 0  # same key: ignored
    received = await pan.next_message()
    assert received.text == "Hello"
    await pan.no_message()
    row = await state.repos.outbox.get("hello:1")
    assert row is not None and row.status is Status.SENT
    assert row.message_id == received.message_id


async def test_urgent_goes_before_bulk(emulator: Emulator, start_ferryman: StartFerryman) -> None:
    pan = emulator.user("Pan Guangde", started=True)
    state = state_of(await start_ferryman())
    await state.outbox.stop()  # queue everything first, then let the sender choose
    await queue(
        state,
        note(pan.id, "bulk", "b", Priority.BULK),
        note(pan.id, "routine", "r", Priority.ROUTINE),
        note(pan.id, "urgent", "u", Priority.URGENT),
    )
    state.outbox.start(state)
    assert [m.text for m in await pan.next_messages(3)] == ["urgent", "routine", "bulk"]


async def test_server_errors_are_retried_and_429_waited_out(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    pan = emulator.user("Pan Guangde", started=True)
    state = state_of(await start_ferryman())
    emulator.faults.inject(Fault.server_error(), method="sendMessage")
    emulator.faults.inject(Fault.too_many_requests(1), method="sendMessage")
    emulator.faults.inject(Fault.bad_gateway(), method="sendMessage")
    await queue(state, note(pan.id, "Made it", "retry:1"))
    assert (await pan.next_message(within=30)).text == "Made it"
    await pan.no_message()
    row = await state.repos.outbox.get("retry:1")
    assert row is not None and row.status is Status.SENT and row.attempts == 4


async def test_a_message_that_keeps_failing_is_given_up_and_admins_told(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", started=True)
    pan = emulator.user("Pan Guangde", started=True)
    state = state_of(await start_ferryman(owners=(owner.id,), extra=ENGLISH))
    state.outbox.backoff_base = 0.01  # the figures of backoff are not what this test is about
    emulator.faults.inject(Fault.server_error(), times=5, method="sendMessage")
    await queue(state, note(pan.id, "Never", "doomed", Priority.ROUTINE))
    alert = await owner.next_message(within=30)
    assert "could not be delivered after 5 attempts" in (alert.text or "")
    await pan.no_message()
    row = await state.repos.outbox.get("doomed")
    assert row is not None and row.status is Status.FAILED
    assert [e.kind for e in await state.repos.events.all()] == ["outbox_failed"]


async def test_a_driver_who_blocked_the_bot_is_marked_and_admins_told_once(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", started=True)
    pan = emulator.user("Pan Guangde", started=True)
    ma = emulator.user("Ma Lin", started=True)
    app = await start_ferryman(owners=(owner.id,), extra=ENGLISH)
    state = state_of(app)
    driver = await state.repos.drivers.add(
        name="Pan", now=FIXED_NOW, telegram_id=pan.id, phone="+8613800000001"
    )
    await pan.block()
    await queue(
        state,
        note(pan.id, "one", "p1", Priority.BULK),
        note(pan.id, "two", "p2", Priority.BULK),
        note(ma.id, "carry on", "m1", Priority.BULK),
    )
    assert (await ma.next_message()).text == "carry on"  # the rest of the queue is unaffected
    alert = await owner.next_message()
    assert "Pan" in (alert.text or "") and "cannot be reached" in (alert.text or "")
    await owner.no_message()
    assert driver.id in await state.repos.drivers.unreachable_ids()
    assert [e.kind for e in await state.repos.events.for_driver(driver.id)] == [
        "driver_unreachable"
    ]
    statuses = {key: (await state.repos.outbox.get(key)) for key in ("p1", "p2")}
    assert {row.status for row in statuses.values() if row} <= {Status.FAILED, Status.SKIPPED}
    # "two" was read while "one" was in flight, and closed by the refusal before its turn.
    to_pan = [c for c in emulator.calls_to("sendMessage") if int(c.params["chat_id"]) == pan.id]
    assert len(to_pan) == 1
    await pan.unblock()  # Telegram tells the bot; the driver can be dispatched again
    await emulator.drained()
    for _ in range(50):
        if driver.id not in await state.repos.drivers.unreachable_ids():
            break
        await asyncio.sleep(0.02)
    assert driver.id not in await state.repos.drivers.unreachable_ids()


async def test_decline_alert_survives_a_server_error(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    """The alert commits with the decline; a 500 on the first try only delays it."""
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    state = state_of(app)
    driver = await state.repos.drivers.add(
        name="Pan",
        now=FIXED_NOW,
        telegram_id=pan.id,
        language="en",
        passport_expiry=date(2030, 1, 1),
    )
    assignment = await assign(
        app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    emulator.faults.inject(Fault.server_error(), method="sendMessage")
    answer = await tap(pan, photo, "❌ Decline")
    assert "Declined" in str(answer.get("text"))
    alert = await owner.next_message(within=30)
    assert "拒绝了派车单 #1" in (alert.text or "")  # the company language
    await owner.no_message()


async def test_the_digest_is_queued_with_its_cursor_so_a_restart_never_doubles_it(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    group = emulator.group("Dispatch", members=[owner])
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    settings_kwargs = {"owners": (owner.id,), "group_chat_id": group.id}
    app = await start_ferryman(**settings_kwargs)
    state = state_of(app)
    driver = await state.repos.drivers.add(
        name="Pan", now=FIXED_NOW, telegram_id=pan.id, passport_expiry=date(2030, 1, 1)
    )
    await dispatch(
        app,
        await assign(
            app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
        ),
    )
    await receive_assignment(pan)
    await state.outbox.stop()  # the process "dies" before the digest leaves
    assert await queue_group_digest(state) == 1
    assert await queue_group_digest(state) == 0  # the cursor moved with the queued digest
    await app.stop()  # a restart: the queued digest goes out once
    await app.start()
    state.outbox.start(state)
    (digest,) = await group.next_messages(1)
    assert "已派发：1" in (digest.text or "")
    await group.no_message()
    row = (await state.repos.outbox.by_purpose("digest"))[0]
    assert row.status is Status.SENT and row.message_id == digest.message_id
