from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest

from bot.clearance import ClearanceService
from bot.config import Settings
from bot.domain.lifecycle import Action, Status
from bot.domain.models import ProofKind
from bot.services import proof, trips
from bot.services.errors import Refusal, ServiceRefused
from botapi_emulator import sample_image
from storage.repositories import Repositories
from tests.services.helpers import NOW, add_driver, add_trip

ZHARKENT = (44.1630, 80.0020)
TWELVE_KM_EAST = (44.1630, 80.1530)  # ~12 km east of the Zharkent lot


async def _crossed(repos: Repositories, clearance: ClearanceService) -> int:
    driver = await add_driver(repos, 1)
    trip = await add_trip(repos, clearance, driver)
    await repos.assignments.set_status(trip.assignment, Status.SENT, NOW)
    for action in (Action.ACCEPT, Action.PICK_UP, Action.CROSS):
        await trips.apply_driver_action(
            repos, 1, trip.assignment.id, action, now=NOW, telegram_at=NOW
        )
    return trip.assignment.id


def _image(n: int) -> bytes:
    """A small real JPEG, different for each n (proof photos must decode as images)."""
    return sample_image(16, 16, color=f"#{20 * n:02x}{20 * n:02x}{20 * n:02x}")


async def _photo(
    repos: Repositories, settings: Settings, data: bytes, n: int = 0
) -> tuple[str, proof.ProofStep]:
    added = await proof.add_photo(
        repos,
        settings.delivery,
        settings.storage.media_dir,
        1,
        data=data,
        file_id=f"file-{n}",
        file_unique_id=f"u-{n}",
        forwarded=False,
        telegram_at=NOW,
        now=NOW,
    )
    return added.item, added.step


async def _location(
    repos: Repositories, settings: Settings, where: tuple[float, float], **kw: object
) -> proof.Delivery:
    args: dict[str, object] = {"accuracy_m": 8.0, "live": False, "forwarded": False}
    args.update(kw)
    return await proof.add_location(
        repos,
        settings.delivery,
        1,
        latitude=where[0],
        longitude=where[1],
        telegram_at=NOW,
        now=NOW,
        **args,  # type: ignore[arg-type]
    )


async def test_checklist_photos_then_location_delivers_inside_the_fence(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    step = await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    assert step.next_item == "vin_plate"
    items = []
    for n in range(3):
        item, step = await _photo(repos, settings, _image(n), n)
        items.append(item)
    assert items == ["vin_plate", "dashboard", "car_at_lot"]
    assert step.wants_location
    delivery = await _location(repos, settings, (ZHARKENT[0] + 0.002, ZHARKENT[1]))
    assert not delivery.verdict.flagged and delivery.verdict.distance_m < 300
    stored = await repos.assignments.get(assignment_id)
    assert stored is not None and stored.status is Status.DELIVERED
    proofs = await repos.proofs.for_assignment(assignment_id)
    photos = [p for p in proofs if p.kind is ProofKind.PHOTO]
    digest = hashlib.sha256(_image(0)).hexdigest()
    assert photos[0].sha256 == digest
    archived = settings.storage.media_dir / Path(str(photos[0].media_path))
    assert archived.read_bytes() == _image(0)
    location = next(p for p in proofs if p.kind is ProofKind.LOCATION)
    assert location.horizontal_accuracy == 8.0 and not location.flagged
    assert await repos.pending.get(1) is None


async def test_twelve_km_away_is_delivered_but_flagged(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    for n in range(3):
        await _photo(repos, settings, _image(n), n)
    delivery = await _location(repos, settings, TWELVE_KM_EAST)
    assert delivery.verdict.flagged
    assert 11_500 < delivery.verdict.distance_m < 12_500
    stored = await repos.assignments.get(assignment_id)
    assert stored is not None and stored.status is Status.DELIVERED
    events = await repos.events.for_assignment(assignment_id)
    assert events[-1].kind == "deliver" and events[-1].payload["flagged"] is True


async def test_an_album_fills_the_checklist_in_order(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    results = await asyncio.gather(*(_photo(repos, settings, _image(n), n) for n in range(4)))
    items = sorted(item for item, _ in results if item)
    assert items == ["car_at_lot", "dashboard", "vin_plate"]
    proofs = await repos.proofs.for_assignment(assignment_id)
    assert len(proofs) == 3  # the fourth photo of the album is not an extra checklist item


async def test_forwarded_photo_or_location_is_not_proof(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    with pytest.raises(ServiceRefused) as refused:
        await proof.add_photo(
            repos,
            settings.delivery,
            settings.storage.media_dir,
            1,
            data=b"x",
            file_id="f",
            file_unique_id="u",
            forwarded=True,
            telegram_at=NOW,
            now=NOW,
        )
    assert refused.value.reason is Refusal.FORWARDED
    for n in range(3):
        await _photo(repos, settings, _image(n), n)
    with pytest.raises(ServiceRefused):
        await _location(repos, settings, ZHARKENT, forwarded=True)
    stored = await repos.assignments.get(assignment_id)
    assert stored is not None and stored.status is Status.CROSSED
    assert not [
        p for p in await repos.proofs.for_assignment(assignment_id) if p.kind is ProofKind.LOCATION
    ]


async def test_location_before_the_photos_is_refused(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    with pytest.raises(ServiceRefused) as refused:
        await _location(repos, settings, ZHARKENT)
    assert refused.value.reason is Refusal.ILLEGAL_STEP


async def test_photo_without_a_delivery_in_progress_is_refused(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    await _crossed(repos, clearance)
    with pytest.raises(ServiceRefused) as refused:
        await _photo(repos, settings, _image(9))
    assert refused.value.reason is Refusal.NO_DELIVERY_IN_PROGRESS
    assert not list(settings.storage.media_dir.glob("**/*.jpg"))


async def test_live_location_is_tracked_after_delivery(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    for n in range(3):
        await _photo(repos, settings, _image(n), n)
    await _location(repos, settings, ZHARKENT, live=True)
    moved = await proof.track_live_location(
        repos,
        1,
        latitude=ZHARKENT[0] + 0.001,
        longitude=ZHARKENT[1],
        accuracy_m=5.0,
        telegram_at=NOW,
        now=NOW,
    )
    assert moved
    live = [p for p in await repos.proofs.for_assignment(assignment_id) if p.live]
    assert len(live) == 2 and live[-1].distance_m is not None and live[-1].distance_m > 100


def test_the_same_photo_archived_by_concurrent_handlers_is_stored_once_without_errors(
    tmp_path: Path,
) -> None:
    # Updates are handled concurrently; an album sent twice archives identical bytes at once.
    data = bytes(range(256)) * 4096  # 1 MB: long enough a write for the writers to overlap
    workers = 8
    for round_ in range(20):
        media = tmp_path / f"round{round_}"
        barrier = Barrier(workers)

        def archive(media: Path = media, barrier: Barrier = barrier) -> tuple[str, str]:
            barrier.wait()
            return proof._archive(media, data)

        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda _: archive(), range(workers)))
        assert len(set(results)) == 1
        stored = [p for p in media.rglob("*") if p.is_file()]
        assert [p.relative_to(media).as_posix() for p in stored] == [results[0][1]]
        assert stored[0].read_bytes() == data


async def test_a_pdf_renamed_jpg_is_not_proof(
    repos: Repositories, clearance: ClearanceService, settings: Settings
) -> None:
    assignment_id = await _crossed(repos, clearance)
    await proof.start_delivery(repos, settings.delivery, 1, assignment_id, NOW)
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    truncated = _image(1)[:200]
    for data in (pdf, truncated):
        with pytest.raises(ServiceRefused) as refused:
            await _photo(repos, settings, data)
        assert refused.value.reason is Refusal.NOT_AN_IMAGE
    assert not [p for p in settings.storage.media_dir.rglob("*") if p.is_file()]
    item, _ = await _photo(repos, settings, _image(2))
    assert item == settings.delivery.photo_checklist[0]
