"""Single changes to the day: /assign (a one-row manifest, with the same checks) and /reassign.

/assign builds the row an admin would have typed into the manifest and runs it through the
same checks and the same transaction, so a trip made by hand is held to the file's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clearance import ClearanceService
from bot.domain.events import EventKind
from bot.domain.lifecycle import Action
from bot.domain.models import Driver
from bot.i18n import N_
from bot.services.errors import Refusal, ServiceRefused
from bot.services.manifest import (
    COLUMNS,
    ManifestRow,
    ManifestTable,
    RawRow,
    Reason,
    validate,
)
from bot.services.manifest_import import load_context, store
from bot.services.trips import Trip, load_trip, next_or_refused
from storage.repositories import ConcurrentUpdate, Repositories

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}$")
_VIN_LIKE = re.compile(r"^[A-Za-z0-9]{11,20}$")
DEFAULT_PICKUP = time(9, 0)
# A hand-made trip is due at the lot this long after pickup unless the manifest says otherwise.
DEFAULT_DRIVE = timedelta(hours=9)

ASSIGN_USAGE = N_(
    "Usage: /assign PHONE|NAME VIN DESTINATION [YYYY-MM-DD] [HH:MM] – e.g. /assign {example}"
)
NO_YARD = N_("No pickup yard is configured.")


@dataclass(frozen=True, slots=True)
class AssignRequest:
    driver: str
    vin: str
    destination: str
    day: date | None
    pickup: time | None


def parse_assign(args: list[str]) -> AssignRequest | None:
    """``driver words… VIN destination words… [date] [time]``; None if there is no VIN."""
    tokens = list(args)
    pickup = day = None
    if tokens and _CLOCK.match(tokens[-1]):
        hour, minute = (int(x) for x in tokens.pop().split(":"))
        if hour > 23 or minute > 59:
            return None
        pickup = time(hour, minute)
    if tokens and _DATE.match(tokens[-1]):
        try:
            day = date.fromisoformat(tokens.pop())
        except ValueError:
            return None
    # The VIN is the first token after the driver that looks like one (names have no digits
    # in 11-20 character runs); everything before it names the driver.
    for index, token in enumerate(tokens[1:], start=1):
        if _VIN_LIKE.match(token) and any(c.isdigit() for c in token):
            driver, rest = " ".join(tokens[:index]), tokens[index + 1 :]
            if not rest:
                return None
            return AssignRequest(driver, token, " ".join(rest), day, pickup)
    return None


@dataclass(frozen=True, slots=True)
class Assigned:
    row: ManifestRow | None
    reasons: tuple[Reason, ...]
    assignment_id: int | None = None


async def assign_one(
    repos: Repositories,
    clearance: ClearanceService,
    request: AssignRequest,
    driver: Driver,
    *,
    timezone: ZoneInfo,
    now: datetime,
    actor: int,
) -> Assigned:
    """One trip through the manifest's checks and store (driver already found by the caller)."""
    today = now.astimezone(timezone).date()
    day = request.day or today
    yards = [p for p in await repos.places.all() if p.kind == "yard"]
    if not yards:
        return Assigned(None, (Reason(NO_YARD),))
    pickup_at = datetime.combine(day, request.pickup or DEFAULT_PICKUP, tzinfo=timezone)
    deliver_by = pickup_at + DEFAULT_DRIVE
    cells = {
        "date": day.isoformat(),
        "driver_phone": driver.phone,
        "vin": request.vin,
        "pickup": yards[0].code,
        "destination": request.destination,
        "pickup_time": f"{pickup_at:%H:%M}",
        "deliver_by": f"{deliver_by:%Y-%m-%d %H:%M}",
    }
    table = ManifestTable(COLUMNS, (RawRow(1, tuple(cells.get(c, "") for c in COLUMNS)),))
    context = await load_context(repos, timezone, now, [day])
    validation = validate(table, context)
    if validation.problems:
        return Assigned(None, validation.problems[0].reasons)
    imported = await store(
        repos, clearance, validation.rows, now=now, actor=actor, source="/assign"
    )
    return Assigned(validation.rows[0], (), imported.assignment_ids[0])


@dataclass(frozen=True, slots=True)
class Reassigned:
    before: Trip
    after: Trip
    # The old driver's copies of the assignment message, to be marked as given away.
    old_messages: tuple[tuple[int, int], ...]


async def reassign(
    repos: Repositories, assignment_id: int, driver: Driver, *, now: datetime, actor: int
) -> Reassigned:
    """Give the trip to ``driver`` (back to planned: the dispatch sends it to them)."""
    trip = await load_trip(repos, assignment_id)
    if trip is None:
        raise ServiceRefused(Refusal.UNKNOWN_ASSIGNMENT, str(assignment_id))
    assignment = trip.assignment
    status = next_or_refused(assignment, Action.REASSIGN)
    async with repos.db.transaction():
        try:
            updated = await repos.assignments.set_driver(assignment, driver.id, status, now)
        except ConcurrentUpdate as exc:
            raise ServiceRefused(Refusal.STALE, str(assignment_id)) from exc
        old = await repos.manifests.detach_messages(assignment_id)
        await repos.events.append(
            EventKind.REASSIGN,
            recorded_at=now,
            actor_telegram_id=actor,
            assignment_id=assignment_id,
            driver_id=driver.id,
            payload={
                "from": assignment.status.value,
                "to": status.value,
                "from_driver": assignment.driver_id,
                "to_driver": driver.id,
            },
        )
    after = Trip(updated, trip.vehicle, trip.pickup, trip.destination, driver)
    return Reassigned(trip, after, tuple(old))


async def free_drivers(repos: Repositories, day: date, limit: int = 8) -> list[Driver]:
    """Active registered drivers with no live trip that day (for the "Reassign" button)."""
    rows = await repos.db.fetch_all(
        "SELECT d.id FROM drivers d WHERE d.status = 'active' AND d.telegram_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.driver_id = d.id"
        " AND a.service_date = ? AND a.status NOT IN ('declined', 'cancelled'))"
        " ORDER BY d.name LIMIT ?",
        (day.isoformat(), limit),
    )
    found = await repos.drivers.by_ids([r[0] for r in rows])
    return [found[r[0]] for r in rows if r[0] in found]


__all__ = [
    "ASSIGN_USAGE",
    "AssignRequest",
    "Assigned",
    "Reassigned",
    "assign_one",
    "free_drivers",
    "parse_assign",
    "reassign",
]
