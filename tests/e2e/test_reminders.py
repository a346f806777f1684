"""A whole day on a driven clock in Horgos (UTC+8), crossing UTC midnight at 08:00 local.

Each reminder and escalation fires once, at its local time, to the right person in their
language, and never after the trip has moved past what it guarded. No sleeping: the test sets
the clock and runs the same tick the scheduler runs every minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.domain.events import EventKind
from bot.jobs import queue_group_digest
from bot.services import reminders
from bot.services.assignments import NewAssignment, create_assignment
from bot.services.dispatch import dispatch_day
from bot.state import AppState
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import StartFerryman
from tests.e2e.helpers import state_of, tap

HORGOS = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 3, 10)


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 10, hour, minute, tzinfo=HORGOS).astimezone(UTC)


async def at(clock: FixedClock, state: AppState, hour: int, minute: int = 0) -> int:
    """Set the clock to a local time on the day and run the scheduler's tick."""
    clock.set(local(hour, minute))
    sent = await reminders.tick(state)
    await state.outbox.idle()
    return sent


async def quiet(*people: EmulatedUser) -> None:
    for person in people:
        await person.no_message(within=0.2)


async def test_a_day_of_reminders_and_escalations(
    emulator: Emulator, start_ferryman: StartFerryman, clock: FixedClock
) -> None:
    clock.set(local(5, 50))
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="zh", started=True)
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(
        owners=(owner.id,), group_chat_id=group.id, extra={"company": {"default_language": "en"}}
    )
    state = state_of(app)
    driver = await state.repos.drivers.add(
        name="潘广德",
        now=clock.now(),
        telegram_id=pan.id,
        language="zh",
        phone="+8613800000001",
        passport_expiry=date(2030, 1, 1),
    )
    assignment = await create_assignment(
        state.repos,
        state.clearance,
        NewAssignment(
            service_date=DAY,
            vin="LGXCE4CB7R0000001",
            pickup_code="horgos-yard",
            destination_code="zharkent-lot",
            pickup_at=local(9),
            deliver_by=local(17),
            driver_id=driver.id,
        ),
        clock.now(),
    )

    clock.set(local(6))  # the morning dispatch (22:00 UTC the day before)
    await dispatch_day(state, DAY)
    (trip,) = await pan.next_messages(1)
    await state.outbox.idle()  # recorded as sent at 06:00

    assert await at(clock, state, 6, 29) == 0
    assert await at(clock, state, 6, 30) == 1  # reminder_after_minutes = 30
    nudge = await pan.next_message()
    assert "请接受或拒绝派车单 #1" in (nudge.text or "") and "09:00（UTC+8）" in (nudge.text or "")
    await quiet(owner)

    assert await at(clock, state, 7, 0) == 1  # escalate_after_minutes = 60: the admins
    escalation = await owner.next_message()
    assert "潘广德 has not answered assignment #1" in (escalation.text or "")
    assert "06:00 (UTC+8)" in (escalation.text or "")
    await quiet(pan)

    clock.set(local(7, 10))
    await tap(pan, trip, "✅ 接受")
    await pan.next_messages(2)  # the map pins come with the acceptance
    assert await at(clock, state, 7, 30) == 0  # accepted: the accept steps are over

    assert await at(clock, state, 8, 44) == 0  # 00:44 UTC: past UTC midnight, same local day
    assert await at(clock, state, 8, 45) == 1  # 15 minutes before pick-up
    soon = await pan.next_message()
    assert "派车单 #1 的提车时间为" in (soon.text or "") and "09:00（UTC+8）" in (soon.text or "")
    assert await at(clock, state, 9, 0) == 1  # pick-up time passed: the admins
    assert "due for pick-up" in ((await owner.next_message()).text or "")

    clock.set(local(9, 5))
    await tap(pan, trip, "🚗 已提车")
    clock.set(local(10))
    await tap(pan, trip, "🛂 已过境")
    assert await at(clock, state, 10, 30) == 0  # picked up and crossed: nothing to chase

    assert await at(clock, state, 16, 59) == 0
    assert await at(clock, state, 17, 0) == 1  # deliver_by passed: the driver
    late = await pan.next_message()
    assert "应于" in (late.text or "") and "前送达" in (late.text or "")
    await quiet(owner)
    assert await at(clock, state, 17, 30) == 1  # then the admins
    alert = await owner.next_message()
    assert "is late" in (alert.text or "") and "+8613800000001" in (alert.text or "")

    await queue_group_digest(state)  # then the group's next digest, late trips on top
    await state.outbox.idle()
    (digest,) = await group.next_messages(1)
    lines = (digest.text or "").splitlines()
    assert lines[1] == "🚨 Urgent"
    assert lines[2].startswith("🚨 Late: #1 LGXCE4CB7R0000001, 潘广德")

    assert await at(clock, state, 18, 0) == 0  # every step once, however often the tick runs
    await quiet(pan, owner)
    clock.set(local(21))  # daily_summary: the day in one message to the group
    assert await reminders.queue_daily_summary(state, DAY) == 1
    await state.outbox.idle()
    (summary,) = await group.next_messages(1)
    assert (summary.text or "").splitlines() == [
        "📊 Day summary 2025-03-10: 1 trips",
        "across the border: 1",
        "🚨 Late (1): #1",
    ]
    assert await reminders.queue_daily_summary(state, DAY) == 0  # once a day

    steps = [
        e.payload["step"]
        for e in await state.repos.events.for_assignment(assignment.id)
        if e.kind is EventKind.REMINDER
    ]
    assert steps == [
        "accept.driver",
        "accept.admins",
        "pickup.driver",
        "pickup.admins",
        "deliver.driver",
        "deliver.admins",
    ]


async def test_a_step_missed_while_down_is_sent_once_if_still_relevant(
    emulator: Emulator, start_ferryman: StartFerryman, clock: FixedClock
) -> None:
    clock.set(local(5, 50))
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    ma = emulator.user("Ma Lin", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,), extra={"company": {"default_language": "en"}})
    state = state_of(app)
    trips = {}
    for n, user in enumerate((pan, ma), start=1):
        driver = await state.repos.drivers.add(
            name=user.name,
            now=clock.now(),
            telegram_id=user.id,
            language="en",
            passport_expiry=date(2030, 1, 1),
        )
        trips[user.id] = await create_assignment(
            state.repos,
            state.clearance,
            NewAssignment(
                service_date=DAY,
                vin=("LGXCE4CB7R0000001", "LRWYGCEK2PC000002")[n - 1],
                pickup_code="horgos-yard",
                destination_code="zharkent-lot",
                pickup_at=local(9),
                deliver_by=local(17),
                driver_id=driver.id,
            ),
            clock.now(),
        )
    clock.set(local(6))
    await dispatch_day(state, DAY)
    (ma_trip,) = await ma.next_messages(1)
    await pan.next_messages(1)
    await state.outbox.idle()
    await tap(ma, ma_trip, "✅ Accept")  # Ma answered; Pan did not
    await ma.next_messages(2)

    # The bot was down from 06:10 to 06:50: the 06:30 reminder is late but still relevant
    # for Pan; Ma's trip moved past it, so it is dropped for him.
    assert await at(clock, state, 6, 50) == 1
    assert "Please accept or decline" in ((await pan.next_message()).text or "")
    await quiet(ma, owner)
    assert await at(clock, state, 6, 51) == 0


async def test_passport_and_visa_warnings_come_once_each(
    emulator: Emulator, start_ferryman: StartFerryman, clock: FixedClock
) -> None:
    clock.set(local(6))
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="zh", started=True)
    ivan = emulator.user("Ivan Petrov", lang="ru", started=True)
    app = await start_ferryman(owners=(owner.id,), extra={"company": {"default_language": "en"}})
    state = state_of(app)
    await state.repos.drivers.add(
        name="潘广德",
        now=clock.now(),
        telegram_id=pan.id,
        language="zh",
        passport_expiry=DAY + timedelta(days=20),
    )
    driver = await state.repos.drivers.add(
        name="Иван",
        now=clock.now(),
        telegram_id=ivan.id,
        language="ru",
        passport_expiry=date(2030, 1, 1),
    )
    crossed = local(9) - timedelta(days=25)  # in Kazakhstan for 26 days: 4 left in the stay
    await state.repos.events.append(
        EventKind.BORDER_CROSSED, recorded_at=crossed, telegram_at=crossed, driver_id=driver.id
    )

    assert await reminders.warn_limits(state) == 2
    await state.outbox.idle()
    assert "护照将于 2025年3月30日到期" in ((await pan.next_message()).text or "")
    left = "Осталось безвизовых дней: 4 в текущем пребывании"
    assert left in ((await ivan.next_message()).text or "")
    alerts = sorted((m.text or "") for m in await owner.next_messages(2))
    assert alerts[0].startswith("🛂 The passport of 潘广德") and "Иван" in alerts[1]
    assert "expires on Mar 30, 2025." in alerts[0]  # the admin's own way of writing dates
    assert await reminders.warn_limits(state) == 0  # once each

    clock.set(local(6) + timedelta(days=1))  # 3 left in the stay: the tighter warning
    assert await reminders.warn_limits(state) == 1
    await state.outbox.idle()
    assert "3 в текущем пребывании" in ((await ivan.next_message()).text or "")
    clock.set(local(6) + timedelta(days=14))  # the passport in 6 days: the 7-day warning
    await state.repos.events.append(
        EventKind.BORDER_RETURNED,
        recorded_at=clock.now(),
        telegram_at=clock.now(),
        driver_id=driver.id,
    )
    assert await reminders.warn_limits(state) == 1
    await state.outbox.idle()
    assert "2025年3月30日" in ((await pan.next_message()).text or "")
    await quiet(ivan)
