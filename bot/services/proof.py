"""Proof of delivery: the photo checklist, one item at a time, then a location."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import tempfile
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from PIL import Image

from bot.config import DeliverySettings
from bot.domain.events import EventKind
from bot.domain.geo import GeofenceVerdict, distance_m, geofence
from bot.domain.lifecycle import Action, Status
from bot.domain.models import ProofKind
from bot.domain.pending import InputKind
from bot.domain.proof_items import ProofItem
from bot.services.errors import Refusal, ServiceRefused
from bot.services.photo_checks import (
    NearCopy,
    VinMismatch,
    near_copy,
    perceptual_hash,
    refuse_reuse,
    vin_in_photo,
)
from bot.services.trips import (
    Trip,
    load_trip,
    next_or_refused,
    owned_trip_at,
    pending_trip,
    set_status_once,
)
from bot.telegram_limits import DOWNLOAD_LIMIT_BYTES
from storage.repositories import Repositories

log = logging.getLogger(__name__)

DELIVERY, PICKUP = "delivery", "pickup"  # the two stages at which photos are taken
PROOF = InputKind.PROOF  # pending input: collecting the checklist and the location
LIVE = InputKind.LIVE  # pending input: a live location shared at delivery is still moving


@dataclass(frozen=True, slots=True)
class ProofStep:
    """What the driver should send next: a checklist photo, else the location."""

    trip: Trip
    next_item: str | None
    photos_done: int
    photos_total: int
    # The press that asked for this step changed nothing: the delivery was already under way
    # (a double tap, or four presses at once). Nothing was recorded; nothing should be sent.
    repeated: bool = False

    @property
    def wants_location(self) -> bool:
        return self.next_item is None


@dataclass(frozen=True, slots=True)
class PhotoAdded:
    """The checklist item the photo filled ("" when none was left), the next step, and the
    earlier photo it looks like, if any (accepted, but the admins are told)."""

    item: str
    step: ProofStep
    near_copy: NearCopy | None = None
    # The VIN a VIN plate's barcode names when it is not this car's (filed, but flagged).
    other_vin: str | None = None
    stage: str = "delivery"


@dataclass(frozen=True, slots=True)
class Delivery:
    trip: Trip
    verdict: GeofenceVerdict
    accuracy_m: float | None
    live: bool


async def _progress(
    repos: Repositories, trip: Trip, checklist: tuple[str, ...], stage: str = "delivery"
) -> ProofStep:
    proofs = await repos.proofs.for_assignment(trip.assignment.id)
    done = {p.checklist_item for p in proofs if p.kind is ProofKind.PHOTO and p.stage == stage}
    remaining = [item for item in checklist if item not in done]
    return ProofStep(
        trip, remaining[0] if remaining else None, len(checklist) - len(remaining), len(checklist)
    )


async def start_delivery(
    repos: Repositories,
    delivery: DeliverySettings,
    telegram_id: int,
    assignment_id: int,
    now: datetime,
) -> ProofStep:
    # Only a car across the border can be delivered; the lifecycle table says so.
    trip = await owned_trip_at(repos, telegram_id, assignment_id, Status.CROSSED)
    # Look and write under one write lock: presses handled concurrently would otherwise all
    # see "not started" and each record a start and send a prompt.
    async with repos.db.transaction():
        pending = await repos.pending.get(telegram_id)
        repeated = False
        if pending is not None and pending.kind == PROOF:
            repeated = pending.assignment_id == assignment_id
        if not repeated:
            await repos.pending.set(telegram_id, PROOF, assignment_id, now)
            await repos.events.append(
                EventKind.DELIVERY_STARTED,
                recorded_at=now,
                actor_telegram_id=telegram_id,
                assignment_id=assignment_id,
                driver_id=trip.assignment.driver_id,
            )
    step = await _progress(repos, trip, delivery.photo_checklist)
    return replace(step, repeated=True) if repeated else step


async def _proof_trip(repos: Repositories, telegram_id: int) -> Trip:
    return await pending_trip(
        repos, telegram_id, PROOF, Status.CROSSED, Refusal.NO_DELIVERY_IN_PROGRESS
    )


async def expected_proof(
    repos: Repositories, delivery: DeliverySettings, telegram_id: int
) -> ProofStep:
    """The step the driver is on; refused when no delivery is in progress."""
    return await _progress(repos, await _proof_trip(repos, telegram_id), delivery.photo_checklist)


def is_decodable_image(data: bytes) -> bool:
    """True if Pillow can decode the whole picture; a PDF or a zip renamed to .jpg, or a
    truncated file, is not proof of anything. Decompression bombs are refused by Pillow."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return False
    return True


def _archive(media_dir: Path, data: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / f"{digest}.jpg"
    target = media_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Updates are handled concurrently: two handlers may archive the same photo at once.
        # Each writes its own temporary file and renames it into place (atomic, and the
        # content is the same), so neither sees a half-written file or loses its own.
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{digest}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            Path(partial).replace(target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return digest, str(relative)


async def add_photo(
    repos: Repositories,
    delivery: DeliverySettings,
    media_dir: Path,
    telegram_id: int,
    *,
    data: bytes,
    file_id: str,
    file_unique_id: str,
    forwarded: bool,
    telegram_at: datetime,
    now: datetime,
    on_flagged: Callable[[PhotoAdded], Awaitable[None]] | None = None,
) -> PhotoAdded:
    """Archives the photo as the next checklist item; returns the item and the next step.

    A photo already used as proof (of any item, of any trip) is refused with PhotoReused. A
    near copy of an earlier photo, or a VIN plate whose barcode names another car, is filed
    but flagged: ``on_flagged`` runs inside the transaction that files it, so the admins'
    alert (an outbox row) commits with it or not at all."""
    if forwarded:
        raise ServiceRefused(Refusal.FORWARDED)
    trip = await _proof_trip(repos, telegram_id)
    return await file_photo(
        repos,
        trip,
        delivery.photo_checklist,
        DELIVERY,
        media_dir,
        telegram_id,
        data=data,
        file_id=file_id,
        file_unique_id=file_unique_id,
        telegram_at=telegram_at,
        now=now,
        refuse_other_vin=False,
        on_flagged=on_flagged,
    )


async def file_photo(
    repos: Repositories,
    trip: Trip,
    checklist: tuple[str, ...],
    stage: str,
    media_dir: Path,
    telegram_id: int,
    *,
    data: bytes,
    file_id: str,
    file_unique_id: str,
    telegram_at: datetime,
    now: datetime,
    refuse_other_vin: bool,
    on_flagged: Callable[[PhotoAdded], Awaitable[None]] | None = None,
) -> PhotoAdded:
    """Files a checklist photo of ``stage`` ("pickup" or "delivery") for ``trip``.

    With ``refuse_other_vin`` a VIN plate whose barcode names another car is refused
    (VinMismatch) instead of flagged."""
    if len(data) > DOWNLOAD_LIMIT_BYTES:
        raise ServiceRefused(Refusal.FILE_TOO_LARGE)
    # Decoding a phone photo is CPU work: off the event loop, like the archive write.
    if not await asyncio.to_thread(is_decodable_image, data):
        raise ServiceRefused(Refusal.NOT_AN_IMAGE)
    expected = await _progress(repos, trip, checklist, stage)
    other_vin = None
    if expected.next_item == ProofItem.VIN_PLATE:
        read = await asyncio.to_thread(vin_in_photo, data)
        if read is not None and read != trip.vehicle.vin:
            if refuse_other_vin:
                raise VinMismatch(trip.assignment.id, read)
            other_vin = read
    digest, relative = await asyncio.to_thread(_archive, media_dir, data)
    phash = await asyncio.to_thread(perceptual_hash, data)
    # Album photos arrive concurrently: pick the item and insert under one write lock.
    async with repos.db.transaction():
        step = await _progress(repos, trip, checklist, stage)
        if step.next_item is None:
            return PhotoAdded("", step)
        await refuse_reuse(repos, digest, file_unique_id)
        similar = await near_copy(repos, phash, now)
        item = step.next_item
        mismatch = other_vin if item == ProofItem.VIN_PLATE else None
        await repos.proofs.add_photo(
            assignment_id=trip.assignment.id,
            checklist_item=item,
            file_id=file_id,
            file_unique_id=file_unique_id,
            sha256=digest,
            media_path=relative,
            telegram_at=telegram_at,
            received_at=now,
            phash=phash,
            flagged=similar is not None or mismatch is not None,
            stage=stage,
        )

        async def record(kind: EventKind, payload: dict[str, object]) -> None:
            # Every event of this photo names the same moment, driver and trip.
            await repos.events.append(
                kind,
                recorded_at=now,
                telegram_at=telegram_at,
                actor_telegram_id=telegram_id,
                assignment_id=trip.assignment.id,
                driver_id=trip.assignment.driver_id,
                payload=payload,
            )

        payload: dict[str, object] = {"item": item, "sha256": digest}
        if stage != DELIVERY:
            payload["stage"] = stage
        await record(EventKind.PROOF_PHOTO, payload)
        if similar is not None:
            await record(
                EventKind.PHOTO_NEAR_COPY,
                {
                    "item": item,
                    "like_assignment": similar.assignment_id,
                    "like_item": similar.item,
                    "bits": similar.distance_bits,
                },
            )
        if mismatch is not None:
            await record(
                EventKind.VIN_MISMATCH,
                {"stage": stage, "read": mismatch, "expected": trip.vehicle.vin},
            )
        after = await _progress(repos, trip, checklist, stage)
        added = PhotoAdded(item, after, similar, mismatch, stage)
        if (similar is not None or mismatch is not None) and on_flagged is not None:
            await on_flagged(added)
    return added


async def add_location(
    repos: Repositories,
    delivery: DeliverySettings,
    telegram_id: int,
    *,
    latitude: float,
    longitude: float,
    accuracy_m: float | None,
    live: bool,
    forwarded: bool,
    telegram_at: datetime,
    now: datetime,
) -> Delivery:
    """Completes the delivery; outside the soft geofence it is still delivered, but flagged."""
    if forwarded:
        raise ServiceRefused(Refusal.FORWARDED)
    trip = await _proof_trip(repos, telegram_id)
    step = await _progress(repos, trip, delivery.photo_checklist)
    if not step.wants_location:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, "photos_missing")
    verdict = geofence(
        latitude,
        longitude,
        trip.destination.latitude,
        trip.destination.longitude,
        delivery.geofence_radius_m,
    )
    status = next_or_refused(trip.assignment, Action.DELIVER)
    async with repos.db.transaction():
        updated = await set_status_once(repos, trip.assignment, status, now)
        await repos.proofs.add_location(
            assignment_id=trip.assignment.id,
            latitude=latitude,
            longitude=longitude,
            horizontal_accuracy=accuracy_m,
            distance_m=round(verdict.distance_m, 1),
            flagged=verdict.flagged,
            live=live,
            telegram_at=telegram_at,
            received_at=now,
        )
        await repos.events.append(
            EventKind.of_action(Action.DELIVER),
            recorded_at=now,
            telegram_at=telegram_at,
            actor_telegram_id=telegram_id,
            assignment_id=trip.assignment.id,
            driver_id=trip.assignment.driver_id,
            payload={
                "from": trip.assignment.status.value,
                "to": status.value,
                "distance_m": round(verdict.distance_m),
                "flagged": verdict.flagged,
                "accuracy_m": accuracy_m,
                "live": live,
            },
        )
        if live:
            await repos.pending.set(telegram_id, LIVE, trip.assignment.id, now)
        else:
            await repos.pending.clear(telegram_id)
    if verdict.flagged:
        log.info(
            "assignment %s delivered %.0f m from its lot (flagged)",
            trip.assignment.id,
            verdict.distance_m,
        )
    delivered = Trip(updated, trip.vehicle, trip.pickup, trip.destination, trip.driver)
    return Delivery(delivered, verdict, accuracy_m, live)


async def track_live_location(
    repos: Repositories,
    telegram_id: int,
    *,
    latitude: float,
    longitude: float,
    accuracy_m: float | None,
    telegram_at: datetime,
    now: datetime,
) -> bool:
    """Records a moved live location after delivery; False if nothing is being tracked."""
    pending = await repos.pending.get(telegram_id)
    if pending is None or pending.kind != LIVE or pending.assignment_id is None:
        return False
    trip = await load_trip(repos, pending.assignment_id)
    if trip is None:
        return False
    distance = distance_m(
        latitude, longitude, trip.destination.latitude, trip.destination.longitude
    )
    await repos.proofs.add_location(
        assignment_id=trip.assignment.id,
        latitude=latitude,
        longitude=longitude,
        horizontal_accuracy=accuracy_m,
        distance_m=round(distance, 1),
        flagged=False,
        live=True,
        telegram_at=telegram_at,
        received_at=now,
    )
    return True
