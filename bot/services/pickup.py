"""The optional pickup checklist: photos of the VIN plate and the four sides at the yard, taken
before "Picked up" is accepted, so any damage is on record before the border."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.config import PickupSettings
from bot.domain.lifecycle import Action, Status
from bot.domain.pending import InputKind
from bot.services import proof
from bot.services.errors import Refusal
from bot.services.proof import PICKUP, PhotoAdded, ProofStep
from bot.services.trips import Trip, apply_driver_action, owned_trip_at, pending_trip
from storage.repositories import Repositories


async def start_pickup(
    repos: Repositories,
    settings: PickupSettings,
    telegram_id: int,
    assignment_id: int,
    now: datetime,
) -> ProofStep:
    """The next pickup photo to take; nothing pending when the checklist is complete."""
    trip = await owned_trip_at(repos, telegram_id, assignment_id, Status.ACCEPTED)
    step = await proof._progress(repos, trip, settings.photo_checklist, PICKUP)
    if step.next_item is not None:
        await repos.pending.set(telegram_id, InputKind.PICKUP, assignment_id, now)
    return step


async def _pickup_trip(repos: Repositories, telegram_id: int) -> Trip:
    return await pending_trip(
        repos,
        telegram_id,
        InputKind.PICKUP,
        Status.ACCEPTED,
        Refusal.ILLEGAL_STEP,
        "no pickup in progress",
    )


async def expected_pickup_photo(
    repos: Repositories, settings: PickupSettings, telegram_id: int
) -> ProofStep:
    trip = await _pickup_trip(repos, telegram_id)
    return await proof._progress(repos, trip, settings.photo_checklist, PICKUP)


async def add_pickup_photo(
    repos: Repositories,
    settings: PickupSettings,
    media_dir: Path,
    telegram_id: int,
    *,
    data: bytes,
    file_id: str,
    file_unique_id: str,
    telegram_at: datetime,
    now: datetime,
) -> tuple[PhotoAdded, Trip | None]:
    """Files the photo; with the last one the car is picked up (the trip is returned then).

    A VIN plate whose barcode names another car is refused (VinMismatch): this is not the
    car of the assignment, and it must not leave the yard."""
    trip = await _pickup_trip(repos, telegram_id)
    added = await proof.file_photo(
        repos,
        trip,
        settings.photo_checklist,
        PICKUP,
        media_dir,
        telegram_id,
        data=data,
        file_id=file_id,
        file_unique_id=file_unique_id,
        telegram_at=telegram_at,
        now=now,
        refuse_other_vin=True,
    )
    if added.step.next_item is not None:
        return added, None
    async with repos.db.transaction():
        picked = await apply_driver_action(
            repos,
            telegram_id,
            trip.assignment.id,
            Action.PICK_UP,
            now=now,
            telegram_at=telegram_at,
        )
        await repos.pending.clear(telegram_id, InputKind.PICKUP)
    return added, picked
