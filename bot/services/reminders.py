"""Reminders and the escalation ladder, derived from the database every time they run.

Each step guards a state: "not accepted", "not picked up", "not delivered", "still in
Kazakhstan". ``tick`` reads the trips that could need one, works out which steps are due at
``now`` (pure: ``due_steps``) and, for each step not recorded yet, writes a ``reminder`` event
and its outbox rows in one transaction. So:

- a step sent is an event and never repeats, whatever restarts happen;
- a step whose moment passed while the bot was down goes out at the first tick after start-up
  if the state it guards has not moved on, and is dropped otherwise (the guard is read now);
- nothing is scheduled per trip that could go stale: the job is a tick every minute plus one at
  start-up, and the database decides.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from bot.config import ScheduleSettings
from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import Assignment, Driver
from bot.i18n import N_, PerReader
from bot.notify import admin_alert
from bot.outbox import Method, Outgoing, Priority
from bot.services.trips import load_trip
from bot.state import AppState
from bot.telegram_limits import MESSAGE_LIMIT, split_text
from bot.timefmt import format_day, format_time

log = logging.getLogger(__name__)

PICKUP_WARNING = timedelta(minutes=15)


class Step(StrEnum):
    ACCEPT_DRIVER = "accept.driver"
    ACCEPT_ADMINS = "accept.admins"
    PICKUP_DRIVER = "pickup.driver"
    PICKUP_ADMINS = "pickup.admins"
    DELIVER_DRIVER = "deliver.driver"
    DELIVER_ADMINS = "deliver.admins"
    BACK_DRIVER = "back.driver"


DRIVER_TEXT = {
    Step.ACCEPT_DRIVER: N_(
        "⏰ Please accept or decline assignment #{number} ({vin}). Pick-up: {place}, {time}."
    ),
    Step.PICKUP_DRIVER: N_(
        '⏰ Pick-up of assignment #{number} at {place} is at {time}. Press "🚗 Picked up the '
        'car" when you have it.'
    ),
    Step.DELIVER_DRIVER: N_(
        "⚠️ Assignment #{number} was due at {place} by {time}. Deliver it, or tell the "
        "dispatcher with /problem."
    ),
    Step.BACK_DRIVER: N_(
        '🏠 Are you back in China? Press "🏠 Back in China" under assignment #{number}: '
        "your visa-free days count until you do."
    ),
}
ADMIN_TEXT = {
    Step.ACCEPT_ADMINS: N_(
        "⏰ {driver} has not answered assignment #{number} ({vin}), sent at {time}."
    ),
    Step.PICKUP_ADMINS: N_(
        "⚠️ Assignment #{number} ({vin}) was due for pick-up at {time}; {driver} has not "
        "picked it up."
    ),
    Step.DELIVER_ADMINS: N_(
        "🚨 Assignment #{number} ({vin}) is late: due at {place} by {time}; driver {driver} "
        "({phone})."
    ),
}
PRIORITY = {
    Step.ACCEPT_DRIVER: Priority.ROUTINE,
    Step.PICKUP_DRIVER: Priority.ROUTINE,
    Step.BACK_DRIVER: Priority.ROUTINE,
    Step.DELIVER_DRIVER: Priority.URGENT,
    Step.ACCEPT_ADMINS: Priority.ALERT,
    Step.PICKUP_ADMINS: Priority.URGENT,
    Step.DELIVER_ADMINS: Priority.URGENT,
}
NOT_PICKED_UP = (Status.SENT, Status.ACCEPTED)
NOT_DELIVERED = (Status.ACCEPTED, Status.PICKED_UP, Status.CROSSED)


@dataclass(frozen=True, slots=True)
class TripClock:
    """What the ladder needs to know about one trip, read from the database."""

    assignment: Assignment
    sent_at: datetime | None  # the first dispatch
    crossed_at: datetime | None  # the driver's last crossing into Kazakhstan, if not back


def due_steps(
    trip: TripClock, now: datetime, schedule: ScheduleSettings, zone_morning: datetime | None
) -> list[tuple[Step, datetime]]:
    """The steps whose moment has come at ``now`` and whose guarded state still holds."""
    a = trip.assignment
    due: list[tuple[Step, datetime]] = []
    if a.status is Status.SENT and trip.sent_at is not None:
        due.append(
            (Step.ACCEPT_DRIVER, trip.sent_at + timedelta(minutes=schedule.reminder_after_minutes))
        )
        due.append(
            (Step.ACCEPT_ADMINS, trip.sent_at + timedelta(minutes=schedule.escalate_after_minutes))
        )
    if a.status in NOT_PICKED_UP and trip.sent_at is not None:
        due.append((Step.PICKUP_DRIVER, a.pickup_at - PICKUP_WARNING))
        due.append((Step.PICKUP_ADMINS, a.pickup_at))
    if a.status in NOT_DELIVERED:
        due.append((Step.DELIVER_DRIVER, a.deliver_by))
        late = timedelta(minutes=schedule.reminder_after_minutes)
        due.append((Step.DELIVER_ADMINS, a.deliver_by + late))
    if trip.crossed_at is not None and zone_morning is not None:
        due.append((Step.BACK_DRIVER, zone_morning))
    return [(step, at) for step, at in due if at <= now]


def next_morning(moment: datetime, schedule: ScheduleSettings, state: AppState) -> datetime:
    """The morning dispatch time of the local day after ``moment``."""
    zone = state.settings.company.timezone
    day: date = moment.astimezone(zone).date() + timedelta(days=1)
    at: time = schedule.morning_dispatch
    return datetime.combine(day, at, tzinfo=zone)


async def tick(state: AppState) -> int:
    """Send every step due now and not sent yet; returns how many steps were sent."""
    repos = state.repos
    now = state.clock.now()
    schedule = state.settings.schedule
    today = now.astimezone(state.settings.company.timezone).date()
    candidates: list[Assignment] = []
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        candidates += [
            a
            for a in await repos.assignments.for_day(day)
            if a.driver_id is not None
            and a.status in (*NOT_PICKED_UP, *NOT_DELIVERED, Status.DELIVERED)
        ]
    if not candidates:
        return 0
    ids = [a.id for a in candidates]
    kinds = (EventKind.SEND, EventKind.REMINDER, EventKind.CROSS)
    events = await repos.events.for_assignments(ids, kinds)
    sent_at: dict[int, datetime] = {}
    done: dict[int, set[str]] = defaultdict(set)
    crossed: dict[int, datetime] = {}
    for event in events:
        assert event.assignment_id is not None
        aid = event.assignment_id
        if event.kind is EventKind.SEND:
            sent_at.setdefault(aid, event.recorded_at)
        elif event.kind is EventKind.REMINDER:
            done[aid].add(str(event.payload.get("step")))
        elif event.kind is EventKind.CROSS:
            crossed[aid] = event.telegram_at or event.recorded_at
    in_kazakhstan = await _in_kazakhstan(
        state, [a.driver_id for a in candidates if a.id in crossed and a.driver_id is not None]
    )
    sent = 0
    for a in candidates:
        crossed_at = crossed.get(a.id)
        if a.status is not Status.DELIVERED or a.driver_id not in in_kazakhstan:
            crossed_at = None  # "Back in China" is asked once delivered, and only if not back
        trip_clock = TripClock(a, sent_at.get(a.id), crossed_at)
        morning = next_morning(crossed_at, schedule, state) if crossed_at else None
        for step, at in due_steps(trip_clock, now, schedule, morning):
            if step in done[a.id]:
                continue
            await _send_step(state, a, step, at, now)
            done[a.id].add(step)
            sent += 1
    if sent:
        state.outbox.wake()
    return sent


async def _in_kazakhstan(state: AppState, driver_ids: list[int]) -> set[int]:
    """Of these drivers, those whose last border event is a crossing (one query)."""
    kinds = (EventKind.BORDER_CROSSED, EventKind.BORDER_RETURNED)
    last: dict[int, EventKind] = {}
    for event in await state.repos.events.for_drivers(sorted(set(driver_ids)), kinds):
        assert event.driver_id is not None
        last[event.driver_id] = event.kind
    return {d for d, kind in last.items() if kind is EventKind.BORDER_CROSSED}


async def _send_step(
    state: AppState, assignment: Assignment, step: Step, at: datetime, now: datetime
) -> None:
    repos = state.repos
    trip = await load_trip(repos, assignment.id)
    if trip is None or trip.driver is None or trip.driver.telegram_id is None:
        return
    driver, chat_id = trip.driver, trip.driver.telegram_id
    company_zone = state.settings.company.timezone
    shown_at = {
        Step.ACCEPT_DRIVER: assignment.pickup_at,
        Step.PICKUP_DRIVER: assignment.pickup_at,
        Step.PICKUP_ADMINS: assignment.pickup_at,
        Step.DELIVER_DRIVER: assignment.deliver_by,
        Step.DELIVER_ADMINS: assignment.deliver_by,
        Step.ACCEPT_ADMINS: at - timedelta(minutes=state.settings.schedule.escalate_after_minutes),
        Step.BACK_DRIVER: at,
    }[step]
    values: dict[str, Any] = {
        "number": assignment.id,
        "vin": trip.vehicle.vin,
        "driver": driver.name,
        "phone": driver.phone or "—",
    }
    key = f"reminder:{assignment.id}:{driver.id}:{step}"
    async with repos.db.transaction():
        await repos.events.append(
            EventKind.REMINDER,
            recorded_at=now,
            assignment_id=assignment.id,
            driver_id=driver.id,
            payload={"step": str(step), "due_at": at.isoformat()},
        )
        if step in DRIVER_TEXT:
            language = driver.language
            place = trip.destination if step is Step.DELIVER_DRIVER else trip.pickup
            text = state.translator.get(
                language,
                DRIVER_TEXT[step],
                **values,
                place=place.name_in(language),
                time=format_time(shown_at, company_zone, language),
            )
            await repos.outbox.add(
                Outgoing(
                    chat_id=chat_id,
                    method=Method.SEND_MESSAGE,
                    payload={"text": text},
                    key=key,
                    priority=PRIORITY[step],
                    purpose=f"reminder.{step}",
                    assignment_id=assignment.id,
                    driver_id=driver.id,
                )
            )
        else:
            await repos.outbox.add(
                *await admin_alert(
                    state,
                    ADMIN_TEXT[step],
                    key=key,
                    priority=PRIORITY[step],
                    purpose=f"alert.{step}",
                    assignment_id=assignment.id,
                    driver_id=driver.id,
                    **values,
                    # The lot and the time as each admin reads them.
                    place=PerReader(trip.destination.name_in),
                    time=PerReader(partial(format_time, shown_at, company_zone)),
                )
            )
    log.info("reminder %s for assignment %s", step, assignment.id)


SUMMARY_HEADER = N_("📊 Day summary {date}: {total} trips")
SUMMARY_STATUS = N_("{label}: {count}")
SUMMARY_LATE = N_("🚨 Late ({count}): {numbers}")
SUMMARY_PROBLEMS = N_("⚠️ Problems reported: {count}")
SUMMARY_FLAGGED = N_("📍 Delivered away from the lot: {numbers}")
SUMMARY_HELD = N_("🚫 Not dispatched ({count}): {items}")


async def queue_daily_summary(state: AppState, day: date) -> int:
    """The day in one message to the group: counts by status, late, problems, flagged
    deliveries, and who was not dispatched and why. Once a day (its key names the day)."""
    from bot.services.dispatch import REASONS, Reason
    from bot.views import STATUS_LABELS

    group = state.settings.company.group_chat_id
    if group is None:
        return 0
    repos = state.repos
    language = state.settings.company.default_language
    tr = state.translator
    now = state.clock.now()
    trips = await repos.assignments.for_day(day)
    counts: dict[Status, int] = defaultdict(int)
    for a in trips:
        counts[a.status] += 1
    late = [
        a.id for a in trips if a.status in (Status.SENT, *NOT_DELIVERED) and a.deliver_by <= now
    ]
    kinds = (EventKind.PROBLEM, EventKind.DELIVER, EventKind.NOT_DISPATCHED)
    events = await repos.events.for_assignments([a.id for a in trips], kinds)
    problems = sum(1 for e in events if e.kind is EventKind.PROBLEM)
    flagged = sorted(
        e.assignment_id
        for e in events
        if e.kind is EventKind.DELIVER and e.payload.get("flagged") and e.assignment_id
    )
    still_planned = {a.id for a in trips if a.status is Status.PLANNED}
    held: dict[int, tuple[str, str]] = {}  # the latest reason (and date) of each trip not sent
    for e in events:
        if e.kind is EventKind.NOT_DISPATCHED and e.assignment_id in still_planned:
            eligible = e.payload.get("eligible_on")
            held[e.assignment_id] = (str(e.payload.get("reason")), str(eligible or "?"))

    def numbers(ids: list[int]) -> str:
        return ", ".join(f"#{n}" for n in ids[:50]) + (" …" if len(ids) > 50 else "")

    lines = [tr.get(language, SUMMARY_HEADER, date=day.isoformat(), total=len(trips))]
    lines += [
        tr.get(language, SUMMARY_STATUS, label=tr.get(language, STATUS_LABELS[status]), count=n)
        for status, n in sorted(counts.items(), key=lambda item: list(Status).index(item[0]))
    ]
    if late:
        lines.append(tr.get(language, SUMMARY_LATE, count=len(late), numbers=numbers(late)))
    if problems:
        lines.append(tr.get(language, SUMMARY_PROBLEMS, count=problems))
    if flagged:
        lines.append(tr.get(language, SUMMARY_FLAGGED, numbers=numbers(flagged)))
    if held:
        items = "; ".join(
            f"#{aid} {tr.get(language, REASONS[Reason(reason)], date=eligible)}"
            for aid, (reason, eligible) in list(held.items())[:30]
        )
        lines.append(tr.get(language, SUMMARY_HELD, count=len(held), items=items))
    messages = [
        Outgoing(
            chat_id=group,
            method=Method.SEND_MESSAGE,
            payload={"text": text},
            key=f"summary:{day.isoformat()}:{part}",
            priority=Priority.ROUTINE,
            purpose="summary",
        )
        for part, text in enumerate(split_text("\n".join(lines), MESSAGE_LIMIT))
    ]
    async with repos.db.transaction():
        added = await repos.outbox.add(*messages)
    state.outbox.wake()
    return added


PASSPORT_THRESHOLDS = (30, 7)  # days before expiry
VISA_THRESHOLDS = (10, 3)  # visa-free days left
PASSPORT_DRIVER = N_(
    "🛂 Your passport expires on {date}. Renew it in time: trips after that date cannot be "
    "dispatched."
)
PASSPORT_ADMINS = N_("🛂 The passport of {driver} ({phone}) expires on {date}.")
VISA_DRIVER = N_(
    "🛂 Visa-free days left: {stay} in this stay, {window} in 180 days. Plan your return in time."
)
VISA_ADMINS = N_(
    "🛂 {driver} ({phone}): {stay} visa-free days left in this stay, {window} in 180 days."
)
# A driver in China has no current stay: only the 180-day window is worth a word.
VISA_DRIVER_WINDOW = N_(
    "🛂 Visa-free days left in 180 days: {window}. Plan your next trips across the border with "
    "your dispatcher."
)
VISA_ADMINS_WINDOW = N_("🛂 {driver} ({phone}): {window} visa-free days left in 180 days.")


async def warn_limits(state: AppState) -> int:
    """Passport expiring in 30 and 7 days, visa-free days left ≤ 10 and ≤ 3: the driver and
    the admins, once each (a later, tighter threshold still comes; an earlier one is not sent
    late once a tighter one applies). Returns how many warnings were queued."""
    from bot.services.visa import visa_overview

    repos = state.repos
    now = state.clock.now()
    today = now.astimezone(state.settings.company.timezone).date()
    drivers = [d for d in await repos.drivers.active() if d.telegram_id is not None]
    done: dict[int, set[str]] = defaultdict(set)
    for event in await repos.events.for_drivers([d.id for d in drivers], (EventKind.REMINDER,)):
        if event.driver_id is not None and event.assignment_id is None:
            done[event.driver_id].add(str(event.payload.get("step")))
    warned = 0
    for driver in drivers:
        if driver.passport_expiry is None:
            continue
        left = (driver.passport_expiry - today).days
        anchor = driver.passport_expiry.isoformat()
        steps = [f"passport.{t}:{anchor}" for t in PASSPORT_THRESHOLDS if left <= t]
        if steps and not set(steps) <= done[driver.id]:
            values: dict[str, Any] = {"date": driver.passport_expiry}
            warned += await _warn(state, driver, steps, PASSPORT_DRIVER, PASSPORT_ADMINS, values)
    by_id = {d.id: d for d in drivers}
    for entry in await visa_overview(repos, now):
        status, known = entry.status, by_id.get(entry.driver.id)
        if known is None:
            continue
        driver = known
        stay = status.stay_days_left if status.in_kazakhstan else None
        window = status.window_days_left
        left = min(x for x in (stay, window) if x is not None)
        anchor = status.stay_started.isoformat() if status.stay_started else f"{today:%Y-%m}"
        steps = [f"visa.{t}:{anchor}" for t in VISA_THRESHOLDS if left <= t]
        if steps and not set(steps) <= done[driver.id]:
            if stay is None:
                values = {"window": window}
                texts = (VISA_DRIVER_WINDOW, VISA_ADMINS_WINDOW)
            else:
                values = {"stay": stay, "window": window}
                texts = (VISA_DRIVER, VISA_ADMINS)
            warned += await _warn(state, driver, steps, *texts, values)
    if warned:
        state.outbox.wake()
    return warned


async def _warn(
    state: AppState,
    driver: Driver,
    steps: list[str],
    to_driver: str,
    to_admins: str,
    values: dict[str, Any],
) -> int:
    """One warning (the tightest threshold) for every threshold not warned about yet."""
    repos = state.repos
    now = state.clock.now()
    key = f"limit:{driver.id}:{steps[-1]}"
    assert driver.telegram_id is not None
    # A date reads in each reader's language (2025年3月30日, 30 мар. 2025 г.): the driver's
    # and every admin's copy alike.
    values = {
        k: PerReader(partial(format_day, v)) if isinstance(v, date) else v
        for k, v in values.items()
    }
    text = state.translator.get(driver.language, to_driver, **values)
    async with repos.db.transaction():
        for step in steps:
            await repos.events.append(
                EventKind.REMINDER, recorded_at=now, driver_id=driver.id, payload={"step": step}
            )
        await repos.outbox.add(
            Outgoing(
                chat_id=driver.telegram_id,
                method=Method.SEND_MESSAGE,
                payload={"text": text},
                key=key,
                priority=Priority.ROUTINE,
                purpose="reminder.limit",
                driver_id=driver.id,
            ),
            *await admin_alert(
                state,
                to_admins,
                key=key,
                purpose="alert.limit",
                driver_id=driver.id,
                driver=driver.name,
                phone=driver.phone or "—",
                **values,
            ),
        )
    return 1
