"""A driver's trip: loading it for display and applying the driver's confirmations."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, IllegalTransition, Status, next_status
from bot.domain.models import Assignment, Driver, DriverStatus, Trip
from bot.domain.pending import InputKind
from bot.services.errors import Refusal, ServiceRefused
from bot.services.visa import is_in_kazakhstan
from storage.repositories import ConcurrentUpdate, Repositories

log = logging.getLogger(__name__)

DRIVER_ACTIONS = frozenset({Action.ACCEPT, Action.DECLINE, Action.PICK_UP, Action.CROSS})
BORDER_CROSSED = EventKind.BORDER_CROSSED
BORDER_RETURNED = EventKind.BORDER_RETURNED


__all__ = [
    "Trip",
    "current_trip",
    "load_trip",
    "next_or_refused",
    "owned_trip",
    "owned_trip_at",
    "pending_trip",
    "registered_driver",
    "set_status_once",
]


def next_or_refused(assignment: Assignment, action: Action) -> Status:
    """Where ``action`` takes the assignment; an illegal step is refused, never forced."""
    try:
        return next_status(assignment.status, action)
    except IllegalTransition as exc:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, assignment.status.value) from exc


async def set_status_once(
    repos: Repositories, assignment: Assignment, status: Status, now: datetime
) -> Assignment:
    """The version-checked write: if the assignment changed since it was read (a double tap,
    two admins at once), the first write won and this one is refused as stale."""
    try:
        return await repos.assignments.set_status(assignment, status, now)
    except ConcurrentUpdate as exc:
        raise ServiceRefused(Refusal.STALE, str(assignment.id)) from exc


async def load_trip(repos: Repositories, assignment_id: int) -> Trip | None:
    """The assignment with its car, places and driver (one joined read)."""
    return await repos.trips.get(assignment_id)


async def registered_driver(repos: Repositories, telegram_id: int) -> Driver:
    """The driver behind a Telegram account, if registered and active.

    Every driver action goes through here, so a suspended driver (or one who left) is
    refused everywhere at once: no QR from /today, no buttons, no proof.
    """
    driver = await repos.drivers.by_telegram_id(telegram_id)
    if driver is None:
        raise ServiceRefused(Refusal.NOT_REGISTERED)
    if driver.status is not DriverStatus.ACTIVE:
        raise ServiceRefused(Refusal.SUSPENDED, driver.status.value)
    return driver


async def owned_trip(repos: Repositories, telegram_id: int, assignment_id: int) -> Trip:
    """The trip, if it is this driver's; a crafted id for someone else's is refused."""
    trip = await load_trip(repos, assignment_id)
    if (
        trip is not None
        and trip.driver is not None
        and trip.driver.telegram_id == telegram_id
        and trip.driver.status is DriverStatus.ACTIVE
    ):
        # The usual case, a driver pressing a button under their own trip: the joined read
        # already shows who they are, so the driver is not read a second time.
        return trip
    # Anything else is refused; look the caller up to say why (not registered, suspended,
    # unknown trip, someone else's), in that order.
    driver = await registered_driver(repos, telegram_id)
    if trip is None:
        raise ServiceRefused(Refusal.UNKNOWN_ASSIGNMENT, str(assignment_id))
    if trip.assignment.driver_id != driver.id:
        log.warning(
            "driver %s pressed a button for assignment %s of another driver",
            driver.id,
            assignment_id,
        )
        raise ServiceRefused(Refusal.NOT_YOUR_ASSIGNMENT, str(assignment_id))
    return trip


async def owned_trip_at(
    repos: Repositories, telegram_id: int, assignment_id: int, status: Status
) -> Trip:
    """The driver's own trip, if it is at ``status`` (where a checklist may start)."""
    trip = await owned_trip(repos, telegram_id, assignment_id)
    if trip.assignment.status is not status:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, trip.assignment.status.value)
    return trip


async def pending_trip(
    repos: Repositories,
    telegram_id: int,
    kind: InputKind,
    status: Status,
    refused: Refusal,
    detail: str = "",
) -> Trip:
    """The trip the driver's pending ``kind`` input (a checklist) is about, while the trip is
    still at ``status``; a checklist left behind by a trip that moved on is dropped."""
    await registered_driver(repos, telegram_id)
    pending = await repos.pending.get(telegram_id)
    if pending is None or pending.kind != kind or pending.assignment_id is None:
        raise ServiceRefused(refused, detail)
    trip = await load_trip(repos, pending.assignment_id)
    if trip is None or trip.assignment.status is not status:
        await repos.pending.clear(telegram_id, kind)
        raise ServiceRefused(refused, detail)
    return trip


async def current_trip(repos: Repositories, telegram_id: int) -> Trip | None:
    driver = await registered_driver(repos, telegram_id)
    return await repos.trips.current_for_driver(driver.id)


async def delivered_abroad(repos: Repositories, telegram_id: int, now: datetime) -> Trip | None:
    """The driver's last delivered trip while they are still in Kazakhstan: its message is
    where "Back in China" is pressed, so /today shows it when nothing else is current."""
    driver = await registered_driver(repos, telegram_id)
    if not await is_in_kazakhstan(repos, driver.id, now):
        return None
    for assignment in await repos.assignments.for_driver(driver.id, limit=5):
        if assignment.status is Status.DELIVERED:
            return await repos.trips.get(assignment.id)
    return None


async def apply_driver_action(
    repos: Repositories,
    telegram_id: int,
    assignment_id: int,
    action: Action,
    *,
    now: datetime,
    telegram_at: datetime | None,
) -> Trip:
    """Accept, decline, picked up, crossed: checked against the lifecycle, applied once."""
    if action not in DRIVER_ACTIONS:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, action.value)
    trip = await owned_trip(repos, telegram_id, assignment_id)
    assignment = trip.assignment
    status = next_or_refused(assignment, action)
    async with repos.db.transaction():
        updated = await set_status_once(repos, assignment, status, now)
        await repos.events.append(
            EventKind.of_action(action),
            recorded_at=now,
            telegram_at=telegram_at,
            actor_telegram_id=telegram_id,
            assignment_id=assignment.id,
            driver_id=assignment.driver_id,
            payload={"from": assignment.status.value, "to": status.value},
        )
        if action is Action.CROSS:
            await repos.events.append(
                BORDER_CROSSED,
                recorded_at=now,
                telegram_at=telegram_at,
                actor_telegram_id=telegram_id,
                assignment_id=assignment.id,
                driver_id=assignment.driver_id,
            )
    return Trip(updated, trip.vehicle, trip.pickup, trip.destination, trip.driver)


async def return_to_china(
    repos: Repositories, telegram_id: int, *, now: datetime, telegram_at: datetime | None
) -> Driver:
    """Ends the visa-free stay opened by the last crossing."""
    driver = await registered_driver(repos, telegram_id)
    # Look and write under one lock: a double tap handled concurrently must record one return.
    async with repos.db.transaction():
        if not await is_in_kazakhstan(repos, driver.id, now):
            raise ServiceRefused(Refusal.NOT_IN_KAZAKHSTAN)
        await repos.events.append(
            BORDER_RETURNED,
            recorded_at=now,
            telegram_at=telegram_at,
            actor_telegram_id=telegram_id,
            driver_id=driver.id,
        )
    return driver


def is_finished(status: Status) -> bool:
    return status in (Status.DELIVERED, Status.CANCELLED, Status.DECLINED)
