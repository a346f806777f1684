"""A driver's trip: loading it for display and applying the driver's confirmations."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, IllegalTransition, Status, next_status
from bot.domain.models import Assignment, Driver, DriverStatus, Place, Vehicle
from bot.services.errors import Refusal, ServiceRefused
from bot.services.visa import is_in_kazakhstan
from storage.repositories import ConcurrentUpdate, Repositories

log = logging.getLogger(__name__)

DRIVER_ACTIONS = frozenset({Action.ACCEPT, Action.DECLINE, Action.PICK_UP, Action.CROSS})
BORDER_CROSSED = EventKind.BORDER_CROSSED
BORDER_RETURNED = EventKind.BORDER_RETURNED


@dataclass(frozen=True, slots=True)
class Trip:
    """Everything needed to show an assignment."""

    assignment: Assignment
    vehicle: Vehicle
    pickup: Place
    destination: Place
    driver: Driver | None


async def load_trip(repos: Repositories, assignment_id: int) -> Trip | None:
    assignment = await repos.assignments.get(assignment_id)
    if assignment is None:
        return None
    vehicle = await repos.vehicles.get(assignment.vehicle_id)
    pickup = await repos.places.get(assignment.pickup_place_id)
    destination = await repos.places.get(assignment.destination_place_id)
    assert vehicle is not None and pickup is not None and destination is not None
    driver = (
        None if assignment.driver_id is None else await repos.drivers.get(assignment.driver_id)
    )
    return Trip(assignment, vehicle, pickup, destination, driver)


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
    driver = await registered_driver(repos, telegram_id)
    trip = await load_trip(repos, assignment_id)
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


async def current_trip(repos: Repositories, telegram_id: int) -> Trip | None:
    driver = await registered_driver(repos, telegram_id)
    assignment = await repos.assignments.current_for_driver(driver.id)
    return None if assignment is None else await load_trip(repos, assignment.id)


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
    try:
        status = next_status(assignment.status, action)
    except IllegalTransition as exc:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, assignment.status.value) from exc
    async with repos.db.transaction():
        try:
            updated = await repos.assignments.set_status(assignment, status, now)
        except ConcurrentUpdate as exc:
            # A double tap raced us; the first press won and this one changes nothing.
            raise ServiceRefused(Refusal.STALE, str(assignment_id)) from exc
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
