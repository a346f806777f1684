"""Dispatch: a service day's assignments to their drivers, through the outbox.

``dispatch_day`` decides who gets their trip (visa-free days, passport, reachability), renders
every QR image first, and queues ONE message per driver — the QR photo with the trip as caption
and the buttons. The map pins follow when the driver accepts (or presses "📍 Map"): three
messages per driver would triple the time 4,000 drivers wait for a dispatch.

The sender renders each queued assignment at send time (``prepare_assignment``), so what the
driver sees is the trip as it is when the message leaves, and a trip that moved on (accepted,
cancelled, given to someone else) in the meantime is not sent at all.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from telegram import Message
from telegram.error import BadRequest

from bot.clearance.printing import prerender_day
from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, Status, next_status
from bot.domain.models import Assignment, Driver, DriverStatus
from bot.domain.visa import KAZAKHSTAN_TZ, BorderEvent, BorderEventKind, visa_status
from bot.i18n import N_
from bot.notify import ASSIGNMENT_MESSAGE
from bot.outbox import Method, Outgoing, Priority, QueuedMessage
from bot.services.trips import BORDER_CROSSED, BORDER_RETURNED, load_trip
from bot.state import AppState
from bot.telegram_limits import MESSAGE_LIMIT, split_text
from bot.views import trip_caption, trip_keyboard

log = logging.getLogger(__name__)

PURPOSE = "dispatch"
NOT_DISPATCHED_EVENT = EventKind.NOT_DISPATCHED
BORDER_KINDS = {BORDER_CROSSED: BorderEventKind.CROSSED, BORDER_RETURNED: BorderEventKind.RETURNED}
VISA_LOOKAHEAD_DAYS = 180  # after this many days any 90-in-180 window has cleared


class Reason(StrEnum):
    VISA = "visa_days"
    PASSPORT = "passport"
    UNREACHABLE = "unreachable"
    SUSPENDED = "suspended"
    NOT_REGISTERED = "not_registered"


REASONS = {
    Reason.VISA: N_("visa-free days would be exceeded; eligible again on {date}"),
    Reason.PASSPORT: N_("passport expired or expires before the trip ({date})"),
    Reason.UNREACHABLE: N_("cannot be reached in Telegram (blocked the bot?)"),
    Reason.SUSPENDED: N_("driver suspended"),
    Reason.NOT_REGISTERED: N_("driver has not registered in the bot"),
}
NOT_DISPATCHED_HEADER = N_("🚫 Not dispatched for {date} ({count}):")
NOT_DISPATCHED_LINE = N_("#{number} {vin}, {driver}: {reason}")


@dataclass(frozen=True, slots=True)
class Held:
    """A trip not sent, and why."""

    assignment: Assignment
    driver: Driver | None
    reason: Reason
    eligible_on: date | None = None


@dataclass(slots=True)
class DispatchReport:
    service_date: date
    queued: int = 0  # new outbox rows
    already: int = 0  # queued or sent by an earlier run
    held: list[Held] = field(default_factory=list)


# --- who may travel ------------------------------------------------------------------------


def _trip_day_events(day: date, in_kazakhstan: bool) -> list[BorderEvent]:
    """The border events the trip on ``day`` would add: in and out the same day."""
    if in_kazakhstan:
        return []  # already there: the stay simply continues through the day
    noon = datetime.combine(day, time(12), tzinfo=KAZAKHSTAN_TZ)
    return [
        BorderEvent(BorderEventKind.CROSSED, noon),
        BorderEvent(BorderEventKind.RETURNED, noon + timedelta(hours=1)),
    ]


def visa_allows(events: list[BorderEvent], day: date) -> bool:
    """Would a trip on ``day`` stay within 30 days a stay and 90 in any 180?"""
    ordered = sorted(events, key=lambda e: e.at)
    in_kz = bool(ordered) and ordered[-1].kind is BorderEventKind.CROSSED
    moment = datetime.combine(day, time(23), tzinfo=KAZAKHSTAN_TZ)
    status = visa_status([*ordered, *_trip_day_events(day, in_kz)], moment)
    return not status.over_limit


def first_eligible_day(events: list[BorderEvent], day: date) -> date | None:
    for offset in range(1, VISA_LOOKAHEAD_DAYS + 1):
        candidate = day + timedelta(days=offset)
        if visa_allows(events, candidate):
            return candidate
    return None


async def _hold_reason(
    assignment: Assignment,
    driver: Driver | None,
    unreachable: set[int],
    borders: dict[int, list[BorderEvent]],
) -> Held | None:
    day = assignment.service_date
    if driver is None or driver.telegram_id is None:
        return Held(assignment, driver, Reason.NOT_REGISTERED)
    if driver.status is not DriverStatus.ACTIVE:
        return Held(assignment, driver, Reason.SUSPENDED)
    if driver.id in unreachable:
        return Held(assignment, driver, Reason.UNREACHABLE)
    if driver.passport_expiry is not None and driver.passport_expiry < day:
        return Held(assignment, driver, Reason.PASSPORT, driver.passport_expiry)
    events = borders.get(driver.id, [])
    if events and not visa_allows(events, day):
        return Held(assignment, driver, Reason.VISA, first_eligible_day(events, day))
    return None


async def _border_events(state: AppState, driver_ids: list[int]) -> dict[int, list[BorderEvent]]:
    found: dict[int, list[BorderEvent]] = defaultdict(list)
    for event in await state.repos.events.for_drivers(driver_ids, tuple(BORDER_KINDS)):
        assert event.driver_id is not None
        found[event.driver_id].append(
            BorderEvent(BORDER_KINDS[event.kind], event.telegram_at or event.recorded_at)
        )
    return found


# --- dispatching ---------------------------------------------------------------------------


def dispatch_key(assignment: Assignment, driver_id: int, again_on: date | None = None) -> str:
    """One first send per assignment and driver; at most one re-send a day after that."""
    key = f"dispatch:{assignment.id}:{driver_id}"
    return key if again_on is None else f"{key}:again:{again_on.isoformat()}"


def assignment_message(
    assignment: Assignment,
    driver: Driver,
    *,
    priority: Priority = Priority.BULK,
    again_on: date | None = None,
) -> Outgoing:
    """The trip's QR message for ``driver``, queued; the sender renders it as it leaves."""
    assert driver.telegram_id is not None
    return Outgoing(
        chat_id=driver.telegram_id,
        method=Method.ASSIGNMENT,
        payload={
            "service_date": assignment.service_date.isoformat(),
            "again": again_on is not None,
        },
        key=dispatch_key(assignment, driver.id, again_on),
        priority=priority,
        purpose=PURPOSE,
        assignment_id=assignment.id,
        driver_id=driver.id,
    )


async def dispatch_day(
    state: AppState, service_date: date, *, resend: bool = False
) -> DispatchReport:
    """Queue ``service_date``'s trips; ``resend``: also again to everyone who has not accepted.

    Safe to run any number of times: the outbox keys make a second run add nothing new. The
    admins get one message listing the trips held back and why.
    """
    repos = state.repos
    report = DispatchReport(service_date)
    wanted = {Status.PLANNED, Status.SENT} if resend else {Status.PLANNED}
    assignments = [a for a in await repos.assignments.for_day(service_date) if a.status in wanted]
    driver_ids = sorted({a.driver_id for a in assignments if a.driver_id is not None})
    drivers = await repos.drivers.by_ids(driver_ids)
    unreachable = await repos.drivers.unreachable_ids()
    borders = await _border_events(state, driver_ids)
    # Rendered before anything is queued: the sender then only reads the cache.
    drawn = await prerender_day(repos, state.clearance, service_date)
    log.info("dispatch %s: %d images drawn before sending", service_date, drawn)
    now = state.clock.now()
    today = now.astimezone(state.settings.company.timezone).date()
    messages: list[Outgoing] = []
    for a in assignments:
        driver = drivers.get(a.driver_id) if a.driver_id is not None else None
        held = await _hold_reason(a, driver, unreachable, borders)
        if held is not None:
            report.held.append(held)
            continue
        assert driver is not None
        again = today if a.status is Status.SENT else None
        messages.append(assignment_message(a, driver, again_on=again))
    async with repos.db.transaction():
        report.queued = await repos.outbox.add(*messages)
        report.already = len(messages) - report.queued
        if report.held:
            await _tell_admins_about_held(state, report, now)
    state.outbox.wake()
    log.info(
        "dispatch %s: %d queued, %d already queued, %d held back",
        service_date,
        report.queued,
        report.already,
        len(report.held),
    )
    return report


async def _tell_admins_about_held(state: AppState, report: DispatchReport, now: datetime) -> None:
    """One event per held trip (once per reason) and one list for the admins."""
    repos = state.repos
    signature = hashlib.sha256(
        ";".join(f"{h.assignment.id}:{h.reason}" for h in report.held).encode()
    ).hexdigest()[:16]
    key = f"alert.not_dispatched:{report.service_date.isoformat()}:{signature}"
    if await repos.outbox.get(f"{key}:0:{_first_admin(state)}") is not None:
        return  # this very list was sent already (a second run of the same dispatch)
    for held in report.held:
        await repos.events.append(
            NOT_DISPATCHED_EVENT,
            recorded_at=now,
            assignment_id=held.assignment.id,
            driver_id=held.driver.id if held.driver else None,
            payload={
                "reason": str(held.reason),
                "eligible_on": held.eligible_on.isoformat() if held.eligible_on else None,
                "service_date": report.service_date.isoformat(),
            },
        )
    from bot.roles import admin_languages

    tr = state.translator
    # The held trips' cars in one read, not one query per line of the list.
    trips = await repos.trips.many([h.assignment.id for h in report.held])
    for admin_id, language in (await admin_languages(state)).items():
        lines = [
            tr.get(
                language,
                NOT_DISPATCHED_HEADER,
                date=report.service_date.isoformat(),
                count=len(report.held),
            )
        ]
        for held in report.held:
            when = held.eligible_on
            reason = tr.get(language, REASONS[held.reason], date=when.isoformat() if when else "?")
            trip = trips.get(held.assignment.id)
            lines.append(
                tr.get(
                    language,
                    NOT_DISPATCHED_LINE,
                    number=held.assignment.id,
                    vin=trip.vehicle.vin if trip else "?",
                    driver=held.driver.name if held.driver else "—",
                    reason=reason,
                )
            )
        for part, text in enumerate(split_text("\n".join(lines), MESSAGE_LIMIT)):
            await repos.outbox.add(
                Outgoing(
                    chat_id=admin_id,
                    method=Method.SEND_MESSAGE,
                    payload={"text": text},
                    key=f"{key}:{part}:{admin_id}",
                    priority=Priority.ALERT,
                    purpose="alert.not_dispatched",
                )
            )


def _first_admin(state: AppState) -> int:
    owners = state.settings.company.owners
    return owners[0] if owners else 0


# --- what the sender calls -----------------------------------------------------------------


async def prepare_assignment(
    state: AppState, row: QueuedMessage, rate_limit_args: dict[str, Any]
) -> Callable[[], Awaitable[Message]] | None:
    """The queued trip as it is now, ready to send; None when it should not go out any more.

    The sender prepares the next row while the current call is in flight, so this only reads:
    the returned call sends (nothing is written before the sender claims the row).
    """
    message = row.message
    assert message.assignment_id is not None
    trip = await load_trip(state.repos, message.assignment_id)
    if trip is None or trip.driver is None or trip.driver.telegram_id != message.chat_id:
        return None  # cancelled or given to another driver since it was queued
    if trip.assignment.status not in (Status.PLANNED, Status.SENT):
        return None  # accepted (or further) meanwhile: the driver has what they need
    driver = trip.driver
    if trip.assignment.status is Status.PLANNED:
        # The driver sees the trip as it will be once this send is recorded.
        shown = replace(trip.assignment, status=next_status(Status.PLANNED, Action.SEND))
        trip = replace(trip, assignment=shown)
    tr = state.translator
    caption = trip_caption(trip, tr, driver.language, state.settings.company.timezone)
    # A trip not yet accepted shows no "Back in China": the border history is not needed.
    keyboard = trip_keyboard(trip, tr, driver.language, in_kazakhstan=False)
    a = trip.assignment
    bot = state.outbox.bot
    chat_id = message.chat_id

    async def upload(png: bytes | None = None) -> Message:
        if png is None:
            png = await state.clearance.image(a.clearance_code, trip.vehicle.vin, a.service_date)
        return await bot.send_photo(
            chat_id,
            photo=png,
            caption=caption,
            reply_markup=keyboard,
            rate_limit_args=rate_limit_args,
        )

    cached = await state.clearance.cached_file_id(a.clearance_code)
    if not cached:
        png = await state.clearance.image(a.clearance_code, trip.vehicle.vin, a.service_date)
        return lambda: upload(png)

    async def by_file_id() -> Message:
        try:
            return await bot.send_photo(
                chat_id,
                photo=cached,
                caption=caption,
                reply_markup=keyboard,
                rate_limit_args=rate_limit_args,
            )
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise
            log.warning("cached QR file id refused (%s); uploading again", exc.message)
            await state.clearance.forget_file_id(a.clearance_code)
        return await upload()

    return by_file_id


async def record_assignment_sent(
    state: AppState, row: QueuedMessage, sent: Message, now: datetime
) -> None:
    """Inside the sender's transaction: the trip counts as sent with the outbox row."""
    repos = state.repos
    message = row.message
    assert message.assignment_id is not None
    assignment = await repos.assignments.get(message.assignment_id)
    assert assignment is not None
    if sent.photo:
        await state.clearance.remember_file_id(assignment.clearance_code, sent.photo[-1].file_id)
    earlier = await repos.assignments.messages(assignment.id, ASSIGNMENT_MESSAGE)
    await repos.assignments.record_message(
        assignment.id, message.chat_id, sent.message_id, ASSIGNMENT_MESSAGE, now
    )
    if assignment.status is Status.PLANNED:
        await repos.assignments.set_status(
            assignment, next_status(assignment.status, Action.SEND), now
        )
        kind = EventKind.SEND
    else:
        kind = EventKind.RESENT
    await repos.events.append(
        kind,
        recorded_at=now,
        assignment_id=assignment.id,
        driver_id=message.driver_id,
        payload={"message_id": sent.message_id, "outbox_id": row.id},
    )
    # Only the newest copy carries buttons: older ones keep the QR and lose the keyboard.
    await repos.outbox.add(
        *(
            Outgoing(
                chat_id=old.chat_id,
                method=Method.EDIT_MESSAGE_REPLY_MARKUP,
                payload={"message_id": old.message_id},
                key=f"unbutton:{assignment.id}:{old.chat_id}:{old.message_id}",
                priority=Priority.ROUTINE,
                purpose="dispatch.unbutton",
                assignment_id=assignment.id,
                driver_id=message.driver_id,
            )
            for old in earlier
            if old.chat_id == message.chat_id
        )
    )
