"""Evening and morning dispatch: one QR message per driver, and who is held back and why."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import Driver
from bot.domain.vin import check_digit
from bot.services.dispatch import dispatch_day
from bot.services.reminders import queue_daily_summary
from bot.state import AppState
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import assign, decode, state_of, tap

TOMORROW = FIXED_NOW.date() + timedelta(days=1)
ENGLISH = {"company": {"default_language": "en"}}


def vin(serial: int) -> str:
    draft = f"LGXCE4CB0R{serial:07d}"
    return draft[:8] + check_digit(draft) + draft[9:]


VINS = iter(vin(n) for n in range(1, 100))


async def driver_for(
    state: AppState, user: EmulatedUser, name: str, *, passport: date = date(2030, 1, 1)
) -> Driver:
    return await state.repos.drivers.add(
        name=name, now=FIXED_NOW, telegram_id=user.id, language="en", passport_expiry=passport
    )


async def test_evening_dispatch_sends_one_qr_message_and_holds_back_who_may_not_go(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", started=True)
    pan = emulator.user("Pan Guangde", started=True)
    ma = emulator.user("Ma Lin", started=True)
    ivan = emulator.user("Ivan Petrov", started=True)  # 91 days in Kazakhstan lately
    old = emulator.user("Old Passport", started=True)
    gone = emulator.user("Gone Away", started=True)  # blocked the bot
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=group.id, extra=ENGLISH)
    state = state_of(app)
    drivers = {user.id: await driver_for(state, user, user.name) for user in (pan, ma, ivan, gone)}
    drivers[old.id] = await driver_for(
        state, old, "Old Passport", passport=TOMORROW - timedelta(1)
    )
    crossed = datetime.combine(TOMORROW - timedelta(days=100), time(9), tzinfo=FIXED_NOW.tzinfo)
    for kind, at in (
        (EventKind.BORDER_CROSSED, crossed),
        (EventKind.BORDER_RETURNED, crossed + timedelta(days=90)),
    ):
        await state.repos.events.append(
            kind, recorded_at=at, telegram_at=at, driver_id=drivers[ivan.id].id
        )
    assert await state.repos.drivers.mark_unreachable(gone.id, FIXED_NOW) is not None
    trips = {
        user.id: await assign(
            app, drivers[user.id], vin=next(VINS), service_date=TOMORROW, now=FIXED_NOW
        )
        for user in (pan, ma, ivan, old, gone)
    }

    report = await dispatch_day(state, TOMORROW)
    assert (report.queued, len(report.held)) == (2, 3)

    for user in (pan, ma):
        (photo,) = await user.next_messages(1)  # one message: the QR with the trip
        assert decode(photo.file_bytes()) == [trips[user.id].clearance_code]
        assert photo.buttons[:2] == ["✅ Accept", "❌ Decline"] and "📍 Map" in photo.buttons
        await user.no_message()
        stored = await state.repos.assignments.get(trips[user.id].id)
        assert stored is not None and stored.status is Status.SENT
    (held,) = await owner.next_messages(1)
    text = held.text or ""
    assert f"Not dispatched for {TOMORROW.isoformat()} (3)" in text
    assert "Ivan Petrov: visa-free days would be exceeded; eligible again on 2025-05-31" in text
    assert "Old Passport: passport expired" in text
    assert "Gone Away: cannot be reached" in text
    for user in (ivan, old, gone):
        await user.no_message()

    # The day's summary to the group names the same trips, the visa one with its date.
    assert await queue_daily_summary(state, TOMORROW) == 1
    (summary,) = await group.next_messages(1)
    held_line = (summary.text or "").splitlines()[-1]
    assert held_line.startswith("🚫 Not dispatched (3):")
    ivan_trip = trips[ivan.id].id
    assert f"#{ivan_trip} visa-free days would be exceeded; eligible again on 2025-05-31" in (
        held_line
    )

    again = await dispatch_day(state, TOMORROW)  # a second run (e.g. /dispatch) adds nothing
    assert (again.queued, len(again.held)) == (0, 3)
    await pan.no_message()
    await owner.no_message()


async def test_morning_resend_by_file_id_leaves_buttons_on_the_new_copy_only(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    pan = emulator.user("Pan Guangde", started=True)
    ma = emulator.user("Ma Lin", started=True)
    app = await start_ferryman(extra=ENGLISH)
    state = state_of(app)
    today = FIXED_NOW.date()
    trips = {}
    for user in (pan, ma):
        driver = await driver_for(state, user, user.name)
        trips[user.id] = await assign(
            app, driver, vin=next(VINS), service_date=today, now=FIXED_NOW
        )
    await dispatch_day(state, today)
    (evening,) = await pan.next_messages(1)
    (ma_copy,) = await ma.next_messages(1)
    await tap(ma, ma_copy, "✅ Accept")  # Ma accepted: no morning copy for him
    await ma.next_messages(2)  # the map pins follow the acceptance

    report = await dispatch_day(state, today, resend=True)
    assert report.queued == 1
    (morning,) = await pan.next_messages(1)
    await state.outbox.idle()
    assert morning.photo and morning.buttons[:2] == ["✅ Accept", "❌ Decline"]
    assert evening.photo and evening.buttons == []  # the old copy lost its buttons
    photos = [str(call.params.get("photo")) for call in emulator.calls_to("sendPhoto")]
    assert len(photos) == 3
    assert not photos[-1].startswith("<upload")  # the morning copy went by file id
    await ma.no_message()
    events = [e.kind for e in await state.repos.events.for_assignment(trips[pan.id].id)]
    assert events.count(EventKind.SEND) == 1 and events.count(EventKind.RESENT) == 1
