"""Admin steps on a trip that the driver cannot take: cancel, car back at the yard, and the
correction of a mistaken "crossed the border" press.

Each one goes through the lifecycle table (an illegal one is refused, nothing stored), writes
the new status with a version check, and appends one audited event naming the admin. History
is never rewritten: a corrected crossing stays in the events table, and the correction event
lists the border events it withdraws from the visa-free count (see ``bot.services.visa``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, Status
from bot.services.errors import Refusal, ServiceRefused
from bot.services.trips import (
    BORDER_CROSSED,
    BORDER_RETURNED,
    Trip,
    load_trip,
    next_or_refused,
    set_status_once,
)
from storage.repositories import Repositories

ADMIN_ACTIONS = frozenset({Action.CANCEL, Action.RETURN_TO_YARD, Action.CORRECT_CROSSING})
# The event of a crossing correction; its payload's "withdraws" lists border event ids.
CROSSING_CORRECTED = Action.CORRECT_CROSSING.value


@dataclass(frozen=True, slots=True)
class AdminChange:
    trip: Trip  # as it is after the change
    before: Status
    withdrawn: tuple[int, ...] = ()  # border events no longer counted (crossing corrections)

    @property
    def returning(self) -> bool:
        """A cancel that came after pickup: the driver must bring the car back to the yard."""
        return self.trip.assignment.status is Status.RETURNING


async def apply_admin_action(
    repos: Repositories,
    admin_telegram_id: int,
    assignment_id: int,
    action: Action,
    *,
    now: datetime,
    reason: str = "",
) -> AdminChange:
    """Apply ``action`` to the assignment if the lifecycle allows it from its status now.

    Cancelling a picked-up car does not end the trip: it becomes "returning", and
    ``Action.RETURN_TO_YARD`` closes it (as cancelled) once the yard has the car.
    """
    if action not in ADMIN_ACTIONS:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, action.value)
    trip = await load_trip(repos, assignment_id)
    if trip is None:
        raise ServiceRefused(Refusal.UNKNOWN_ASSIGNMENT, str(assignment_id))
    assignment = trip.assignment
    status = next_or_refused(assignment, action)
    async with repos.db.transaction():
        updated = await set_status_once(repos, assignment, status, now)
        withdrawn: tuple[int, ...] = ()
        if action is Action.CORRECT_CROSSING:
            withdrawn = await _border_events_of_crossing(repos, trip)
        payload: dict[str, object] = {"from": assignment.status.value, "to": status.value}
        if reason:
            payload["reason"] = reason
        if withdrawn:
            payload["withdraws"] = list(withdrawn)
        await repos.events.append(
            EventKind.of_action(action),
            recorded_at=now,
            actor_telegram_id=admin_telegram_id,
            assignment_id=assignment.id,
            driver_id=assignment.driver_id,
            payload=payload,
        )
    changed = Trip(updated, trip.vehicle, trip.pickup, trip.destination, trip.driver)
    return AdminChange(changed, assignment.status, withdrawn)


async def _border_events_of_crossing(repos: Repositories, trip: Trip) -> tuple[int, ...]:
    """The trip's last recorded crossing, and a return the driver recorded after it."""
    crossings = [
        e.id
        for e in await repos.events.for_assignment(trip.assignment.id)
        if e.kind == BORDER_CROSSED
    ]
    if not crossings:
        return ()
    crossing = crossings[-1]
    if trip.assignment.driver_id is None:
        return (crossing,)
    returns = await repos.events.for_driver(trip.assignment.driver_id, (BORDER_RETURNED,))
    after = [e.id for e in returns if e.id > crossing]
    return (crossing, *after[:1])
