"""Repositories return domain objects, and what goes in comes back out (times as aware UTC)."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import PlaceSettings, load_settings
from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import (
    Assignment,
    ClearanceKind,
    Driver,
    DriverStatus,
    Event,
    Place,
    Proof,
    ProofKind,
    SentMessage,
    Vehicle,
)
from bot.domain.vin import InvalidVin, VinProblem
from storage.db import Database
from storage.repositories import (
    ConcurrentUpdate,
    DriverExists,
    Repositories,
    VehicleAlreadyAssigned,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
BEIJING = ZoneInfo("Asia/Shanghai")
ALMATY = ZoneInfo("Asia/Almaty")
# 07:30 Beijing time on 1 June 2024 = 23:30 UTC on 31 May: the date differs between zones.
NOW = datetime(2024, 6, 1, 7, 30, 15, 123456, tzinfo=BEIJING)
DAY = date(2024, 6, 1)
VIN_BYD = "LGXCE4CB5R0123456"
VIN_TESLA = "LRW3E7EBXPC123456"


def assert_utc(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    db = await Database.open(tmp_path / "ferryman.sqlite3")
    try:
        built = Repositories.build(db)
        await built.places.sync(load_settings(EXAMPLE, env={}).places)
        yield built
    finally:
        await db.close()


async def count(repos: Repositories, table: str) -> int:
    async with repos.db.conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def place(repos: Repositories, code: str) -> Place:
    found = await repos.places.by_code(code)
    assert found is not None
    return found


async def new_assignment(
    repos: Repositories,
    *,
    vin: str = VIN_BYD,
    day: date = DAY,
    driver_id: int | None = None,
    now: datetime = NOW,
) -> Assignment:
    vehicle = await repos.vehicles.upsert(vin)
    yard = await place(repos, "horgos-yard")
    lot = await place(repos, "zharkent-lot")
    pickup = datetime(day.year, day.month, day.day, 8, 0, tzinfo=BEIJING)
    return await repos.assignments.create(
        service_date=day,
        vehicle_id=vehicle.id,
        pickup_place_id=yard.id,
        destination_place_id=lot.id,
        pickup_at=pickup,
        deliver_by=pickup + timedelta(hours=6),
        now=now,
        driver_id=driver_id,
    )


# --- drivers ------------------------------------------------------------------------------


async def test_driver_round_trip(repos: Repositories) -> None:
    driver = await repos.drivers.add(
        name="王师傅",
        now=NOW,
        telegram_id=5_550_001,
        phone="+8613800138000",
        passport_number="E12345678",
        passport_expiry=date(2031, 12, 31),
        language="zh",
    )
    assert isinstance(driver, Driver)
    assert driver.name == "王师傅"
    assert driver.telegram_id == 5_550_001
    assert driver.phone == "+8613800138000"
    assert driver.passport_number == "E12345678"
    assert driver.passport_expiry == date(2031, 12, 31)
    assert driver.status is DriverStatus.ACTIVE
    assert driver.created_at == NOW
    assert_utc(driver.created_at)
    assert driver.created_at.microsecond == 123456
    assert await repos.drivers.get(driver.id) == driver
    assert await repos.drivers.by_telegram_id(5_550_001) == driver


async def test_driver_defaults_and_missing(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="Aidos", now=NOW)
    assert driver.telegram_id is None
    assert driver.passport_expiry is None
    assert driver.language == "zh"
    assert await repos.drivers.get(driver.id + 100) is None
    assert await repos.drivers.by_telegram_id(123) is None


async def test_driver_telegram_id_is_unique(repos: Repositories) -> None:
    await repos.drivers.add(name="A", now=NOW, telegram_id=77)
    with pytest.raises(DriverExists):
        await repos.drivers.add(name="B", now=NOW, telegram_id=77)
    assert await count(repos, "drivers") == 1


async def test_driver_updates_and_lists(repos: Repositories) -> None:
    a = await repos.drivers.add(name="A", now=NOW, telegram_id=1)
    b = await repos.drivers.add(name="B", now=NOW, telegram_id=2)
    c = await repos.drivers.add(name="C", now=NOW, telegram_id=3)
    await repos.drivers.set_language(a.id, "ru")
    await repos.drivers.set_status(b.id, DriverStatus.SUSPENDED)
    await repos.drivers.set_status(c.id, DriverStatus.LEFT)
    updated = await repos.drivers.get(a.id)
    assert updated is not None
    assert updated.language == "ru"
    assert [d.id for d in await repos.drivers.active()] == [a.id]
    by_ids = await repos.drivers.by_ids([a.id, b.id, 999])
    assert set(by_ids) == {a.id, b.id}
    assert by_ids[b.id].status is DriverStatus.SUSPENDED
    assert await repos.drivers.by_ids([]) == {}


# --- places -------------------------------------------------------------------------------


async def test_places_sync_from_settings(repos: Repositories) -> None:
    places = await repos.places.all()
    assert all(isinstance(p, Place) for p in places)
    assert [p.code for p in places] == ["almaty-lot", "horgos-yard", "nur-zholy", "zharkent-lot"]
    lot = await place(repos, "zharkent-lot")
    assert (lot.name, lot.kind, lot.address) == (
        "Zharkent delivery lot",
        "lot",
        "Zharkent, Zhetysu Region, Kazakhstan",
    )
    assert (lot.latitude, lot.longitude) == (44.1630, 80.0020)
    assert await repos.places.get(lot.id) == lot
    assert await repos.places.get(10_000) is None
    assert await repos.places.by_code("nowhere") is None


async def test_places_resync_updates_in_place(repos: Repositories) -> None:
    before = await place(repos, "zharkent-lot")
    moved = PlaceSettings(
        code="zharkent-lot",
        name="Zharkent lot (new gate)",
        kind="lot",
        latitude=44.17,
        longitude=80.01,
    )
    extra = PlaceSettings(
        code="khorgos-lot", name="Khorgos lot", kind="lot", latitude=44.2, longitude=80.3
    )
    await repos.places.sync((moved, extra))
    after = await place(repos, "zharkent-lot")
    assert after.id == before.id  # assignments that point at it keep pointing at it
    assert (after.name, after.latitude, after.longitude) == (
        "Zharkent lot (new gate)",
        44.17,
        80.01,
    )
    assert len(await repos.places.all()) == 5
    # Syncing the same settings twice changes nothing.
    await repos.places.sync((moved, extra))
    assert len(await repos.places.all()) == 5


# --- vehicles -----------------------------------------------------------------------------


async def test_vehicle_upsert_round_trip(repos: Repositories) -> None:
    vehicle = await repos.vehicles.upsert(
        " lgxce4cb5r0123456 ", model="BYD Song Plus", colour="白"
    )
    assert isinstance(vehicle, Vehicle)
    assert vehicle.vin == VIN_BYD
    assert (vehicle.model, vehicle.colour) == ("BYD Song Plus", "白")
    assert await repos.vehicles.get(vehicle.id) == vehicle
    assert await repos.vehicles.by_vin(VIN_BYD.lower()) == vehicle


async def test_vehicle_upsert_updates_the_same_car(repos: Repositories) -> None:
    first = await repos.vehicles.upsert(VIN_TESLA, model="Model 3")
    second = await repos.vehicles.upsert(VIN_TESLA, model="Model 3 Highland", colour="black")
    assert second.id == first.id
    assert second.model == "Model 3 Highland"
    assert await count(repos, "vehicles") == 1


async def test_vehicle_with_a_bad_vin_is_not_stored(repos: Repositories) -> None:
    with pytest.raises(InvalidVin) as caught:
        await repos.vehicles.upsert("LGXCE4CB4R0123456")  # check digit should be 5
    assert caught.value.problem is VinProblem.CHECK_DIGIT
    with pytest.raises(InvalidVin):
        await repos.vehicles.upsert("LGXCE4CB5R0I23456")
    assert await count(repos, "vehicles") == 0
    assert await repos.vehicles.by_vin("LGXCE4CB4R0123456") is None
    assert await repos.vehicles.get(1) is None


# --- assignments --------------------------------------------------------------------------


async def test_assignment_round_trip(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="A", now=NOW, telegram_id=1)
    vehicle = await repos.vehicles.upsert(VIN_BYD)
    yard = await place(repos, "horgos-yard")
    lot = await place(repos, "almaty-lot")
    pickup = datetime(2024, 6, 1, 8, 0, tzinfo=BEIJING)
    deliver_by = datetime(2024, 6, 1, 18, 0, tzinfo=ALMATY)
    created = await repos.assignments.create(
        service_date=DAY,
        vehicle_id=vehicle.id,
        pickup_place_id=yard.id,
        destination_place_id=lot.id,
        pickup_at=pickup,
        deliver_by=deliver_by,
        now=NOW,
        driver_id=driver.id,
        receiver_name="Ержан",
        receiver_phone="+77011234567",
        clearance_code="CUSTOMS|2024|000123",
        clearance_kind=ClearanceKind.IMPORTED,
    )
    assert isinstance(created, Assignment)
    assert created.service_date == DAY
    assert created.driver_id == driver.id
    assert (created.vehicle_id, created.pickup_place_id, created.destination_place_id) == (
        vehicle.id,
        yard.id,
        lot.id,
    )
    assert created.pickup_at == pickup
    assert created.deliver_by == deliver_by
    for moment in (created.pickup_at, created.deliver_by, created.created_at, created.updated_at):
        assert_utc(moment)
    assert created.pickup_at == datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
    assert created.deliver_by == datetime(2024, 6, 1, 13, 0, tzinfo=UTC)
    assert (created.receiver_name, created.receiver_phone) == ("Ержан", "+77011234567")
    assert created.clearance_code == "CUSTOMS|2024|000123"
    assert created.clearance_kind is ClearanceKind.IMPORTED
    assert created.status is Status.PLANNED
    assert created.version == 1
    assert created.created_at == created.updated_at == NOW
    assert await repos.assignments.get(created.id) == created
    assert await repos.assignments.get(created.id + 1) is None


async def test_naive_times_are_refused(repos: Repositories) -> None:
    with pytest.raises(ValueError, match="naive"):
        await new_assignment(repos, now=datetime(2024, 6, 1, 8, 0))
    assert await count(repos, "assignments") == 0
    with pytest.raises(ValueError, match="naive"):
        await repos.drivers.add(name="A", now=datetime(2024, 6, 1, 8, 0))
    assert await count(repos, "drivers") == 0


async def test_one_live_assignment_per_vehicle_and_day(repos: Repositories) -> None:
    first = await new_assignment(repos)
    with pytest.raises(VehicleAlreadyAssigned):
        await new_assignment(repos)
    await repos.assignments.set_status(first, Status.CANCELLED, NOW)
    again = await new_assignment(repos)
    assert again.id != first.id
    assert [a.id for a in await repos.assignments.for_day(DAY)] == [first.id, again.id]


async def test_for_day_and_for_driver(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="A", now=NOW, telegram_id=1)
    today = await new_assignment(repos, vin=VIN_BYD, driver_id=driver.id)
    other = await new_assignment(repos, vin=VIN_TESLA)
    tomorrow = await new_assignment(
        repos, vin=VIN_TESLA, day=DAY + timedelta(days=1), driver_id=driver.id
    )
    assert [a.id for a in await repos.assignments.for_day(DAY)] == [today.id, other.id]
    assert await repos.assignments.for_day(DAY + timedelta(days=1)) == [tomorrow]
    assert await repos.assignments.for_day(DAY - timedelta(days=1)) == []
    # Newest service date first.
    assert [a.id for a in await repos.assignments.for_driver(driver.id)] == [
        tomorrow.id,
        today.id,
    ]
    assert len(await repos.assignments.for_driver(driver.id, limit=1)) == 1


async def test_current_for_driver(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="A", now=NOW, telegram_id=1)
    assert await repos.trips.current_for_driver(driver.id) is None
    planned = await new_assignment(repos, driver_id=driver.id)
    assert await repos.trips.current_for_driver(driver.id) is None  # not sent yet
    sent_today = await repos.assignments.set_status(planned, Status.SENT, NOW)
    current = await repos.trips.current_for_driver(driver.id)
    assert current is not None and current.assignment.id == sent_today.id

    # A trip in progress comes before a merely sent one, even a later day's.
    tomorrow = await new_assignment(
        repos, vin=VIN_TESLA, day=DAY + timedelta(days=1), driver_id=driver.id
    )
    tomorrow = await repos.assignments.set_status(tomorrow, Status.ACCEPTED, NOW)
    current = await repos.trips.current_for_driver(driver.id)
    assert current is not None and current.assignment.id == tomorrow.id

    # Finished trips are not current.
    await repos.assignments.set_status(tomorrow, Status.DELIVERED, NOW)
    current = await repos.trips.current_for_driver(driver.id)
    assert current is not None and current.assignment.id == sent_today.id
    await repos.assignments.set_status(sent_today, Status.CANCELLED, NOW)
    assert await repos.trips.current_for_driver(driver.id) is None


async def test_a_trip_is_read_whole_in_one_query(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="A", now=NOW, telegram_id=1, language="ru")
    assigned = await new_assignment(repos, driver_id=driver.id)
    unassigned = await new_assignment(repos, vin=VIN_TESLA)
    statements: list[str] = []
    await repos.db.conn.set_trace_callback(statements.append)
    trip = await repos.trips.get(assigned.id)
    assert len(statements) == 1
    assert trip is not None
    # The same objects the single-table reads give, including the place names per language.
    assert trip.assignment == await repos.assignments.get(assigned.id)
    assert trip.vehicle == await repos.vehicles.get(assigned.vehicle_id)
    assert trip.pickup == await place(repos, "horgos-yard")
    assert trip.destination == await place(repos, "zharkent-lot")
    assert trip.driver == driver

    alone = await repos.trips.get(unassigned.id)
    assert alone is not None and alone.driver is None and alone.vehicle.vin == VIN_TESLA
    assert await repos.trips.get(unassigned.id + 1) is None
    both = await repos.trips.many([unassigned.id, assigned.id, assigned.id, 999])
    assert both == {assigned.id: trip, unassigned.id: alone}
    assert await repos.trips.many([]) == {}


async def test_set_status_bumps_version_and_time(repos: Repositories) -> None:
    created = await new_assignment(repos)
    later = NOW + timedelta(minutes=5)
    sent = await repos.assignments.set_status(created, Status.SENT, later)
    assert sent.status is Status.SENT
    assert sent.version == created.version + 1
    assert sent.updated_at == later
    assert sent.created_at == created.created_at
    assert await repos.assignments.get(created.id) == sent


async def test_stale_write_is_refused(repos: Repositories) -> None:
    created = await new_assignment(repos)
    sent = await repos.assignments.set_status(created, Status.SENT, NOW)
    with pytest.raises(ConcurrentUpdate):
        await repos.assignments.set_status(created, Status.CANCELLED, NOW)  # stale copy
    stored = await repos.assignments.get(created.id)
    assert stored == sent
    with pytest.raises(ConcurrentUpdate):
        await repos.assignments.set_driver(created, None, Status.PLANNED, NOW)
    assert await repos.assignments.get(created.id) == sent


async def test_concurrent_writers_one_wins(repos: Repositories) -> None:
    created = await new_assignment(repos)
    results = await asyncio.gather(
        repos.assignments.set_status(created, Status.SENT, NOW),
        repos.assignments.set_status(created, Status.CANCELLED, NOW),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, Assignment)]
    losers = [r for r in results if isinstance(r, ConcurrentUpdate)]
    assert len(winners) == 1 and len(losers) == 1
    assert await repos.assignments.get(created.id) == winners[0]
    assert winners[0].version == 2


async def test_set_driver_and_clearance(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="A", now=NOW, telegram_id=1)
    created = await new_assignment(repos)
    assigned = await repos.assignments.set_driver(created, driver.id, Status.PLANNED, NOW)
    assert assigned.driver_id == driver.id
    assert assigned.version == 2
    await repos.assignments.set_clearance(
        created.id, "FM1.k1.payload.sig", ClearanceKind.GENERATED, NOW
    )
    stored = await repos.assignments.get(created.id)
    assert stored is not None
    assert stored.clearance_code == "FM1.k1.payload.sig"
    assert stored.clearance_kind is ClearanceKind.GENERATED
    assert stored.version == 3  # the old copy is now stale
    with pytest.raises(ConcurrentUpdate):
        await repos.assignments.set_status(assigned, Status.SENT, NOW)


async def test_record_message_and_messages(repos: Repositories) -> None:
    a = await new_assignment(repos)
    b = await new_assignment(repos, vin=VIN_TESLA)
    evening = datetime(2024, 5, 31, 19, 0, tzinfo=BEIJING)
    await repos.assignments.record_message(a.id, 1001, 10, "assignment", evening)
    await repos.assignments.record_message(a.id, 1001, 11, "qr", evening)
    await repos.assignments.record_message(a.id, 1001, 20, "assignment", NOW)
    await repos.assignments.record_message(b.id, 1002, 12, "assignment", NOW)

    messages = await repos.assignments.messages(a.id)
    assert all(isinstance(m, SentMessage) for m in messages)
    assert [(m.message_id, m.purpose) for m in messages] == [
        (10, "assignment"),
        (11, "qr"),
        (20, "assignment"),
    ]
    assert messages[0] == SentMessage(a.id, 1001, 10, "assignment", evening)
    assert_utc(messages[0].sent_at)
    assert [m.message_id for m in await repos.assignments.messages(a.id, "assignment")] == [10, 20]
    assert await repos.assignments.messages(a.id, "reminder") == []


# --- proofs -------------------------------------------------------------------------------


async def test_proofs_round_trip(repos: Repositories) -> None:
    a = await new_assignment(repos)
    sent_at = datetime(2024, 6, 1, 12, 0, 0, tzinfo=ALMATY)
    received_at = sent_at + timedelta(minutes=47, microseconds=5)  # arrived after a dead zone
    photo = await repos.proofs.add_photo(
        assignment_id=a.id,
        checklist_item="vin_plate",
        file_id="AgACAgIAAxkBAAIB",
        file_unique_id="AQADxxx",
        sha256="ab" * 32,
        media_path="media/ab/abab.jpg",
        telegram_at=sent_at,
        received_at=received_at,
    )
    location = await repos.proofs.add_location(
        assignment_id=a.id,
        latitude=44.1631,
        longitude=80.0021,
        horizontal_accuracy=12.5,
        distance_m=13.7,
        flagged=False,
        live=True,
        telegram_at=sent_at,
        received_at=received_at,
    )
    far = await repos.proofs.add_location(
        assignment_id=a.id,
        latitude=44.27,
        longitude=80.0,
        horizontal_accuracy=None,
        distance_m=12_000.0,
        flagged=True,
        live=False,
        telegram_at=sent_at,
        received_at=received_at,
    )
    assert isinstance(photo, Proof)
    assert photo.kind is ProofKind.PHOTO
    assert (photo.checklist_item, photo.file_id, photo.file_unique_id) == (
        "vin_plate",
        "AgACAgIAAxkBAAIB",
        "AQADxxx",
    )
    assert (photo.sha256, photo.media_path) == ("ab" * 32, "media/ab/abab.jpg")
    assert photo.latitude is None and photo.flagged is False and photo.live is False
    assert photo.telegram_at == sent_at
    assert photo.received_at == received_at
    assert_utc(photo.telegram_at)
    assert_utc(photo.received_at)

    assert location.kind is ProofKind.LOCATION
    assert (location.latitude, location.longitude) == (44.1631, 80.0021)
    assert location.horizontal_accuracy == 12.5
    assert location.distance_m == 13.7
    assert location.flagged is False and location.live is True
    assert location.file_id is None
    assert far.flagged is True and far.live is False and far.horizontal_accuracy is None

    assert await repos.proofs.for_assignment(a.id) == [photo, location, far]
    assert await repos.proofs.for_assignment(a.id + 1) == []


# --- events -------------------------------------------------------------------------------


async def test_events_round_trip(repos: Repositories) -> None:
    driver = await repos.drivers.add(name="A", now=NOW, telegram_id=1)
    a = await new_assignment(repos, driver_id=driver.id)
    telegram_at = NOW - timedelta(seconds=3)
    payload = {"note": "轮胎漏气", "photos": [1, 2], "nested": {"ok": True}}
    await repos.events.append(
        EventKind.PROBLEM,
        recorded_at=NOW,
        actor_telegram_id=1,
        assignment_id=a.id,
        driver_id=driver.id,
        telegram_at=telegram_at,
        payload=payload,
    )
    await repos.events.append(EventKind.CROSS, recorded_at=NOW, driver_id=driver.id)
    await repos.events.append(EventKind.QR_SHEET_PRINTED, recorded_at=NOW)

    for_assignment = await repos.events.for_assignment(a.id)
    assert len(for_assignment) == 1
    event = for_assignment[0]
    assert isinstance(event, Event)
    assert (event.kind, event.actor_telegram_id, event.assignment_id, event.driver_id) == (
        "problem",
        1,
        a.id,
        driver.id,
    )
    assert event.payload == payload
    assert event.telegram_at == telegram_at
    assert event.recorded_at == NOW
    assert_utc(event.telegram_at)
    assert_utc(event.recorded_at)

    assert [e.kind for e in await repos.events.for_driver(driver.id)] == ["problem", "cross"]
    only_crossings = await repos.events.for_driver(driver.id, (EventKind.CROSS,))
    assert [e.kind for e in only_crossings] == ["cross"]
    everything = await repos.events.all()
    assert [e.kind for e in everything] == ["problem", "cross", "qr_sheet_printed"]
    assert everything[2].telegram_at is None
    assert everything[2].payload == {}


async def test_recent_events_of_a_kind(repos: Repositories) -> None:
    for minutes, kind in (
        (-90, EventKind.BROADCAST),
        (-20, EventKind.BROADCAST),
        (-10, EventKind.CROSS),
        (-5, EventKind.BROADCAST),
    ):
        await repos.events.append(
            kind, recorded_at=NOW + timedelta(minutes=minutes), payload={"m": minutes}
        )
    recent = await repos.events.recent((EventKind.BROADCAST,), NOW - timedelta(minutes=30))
    assert [e.payload["m"] for e in recent] == [-20, -5]  # oldest first; the older one left out
    assert await repos.events.recent((EventKind.BROADCAST,), NOW) == []


async def test_events_cannot_be_rewritten(repos: Repositories) -> None:
    await repos.events.append(EventKind.SEND, recorded_at=NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with repos.db.transaction() as conn:
            await conn.execute("UPDATE events SET kind = 'nothing happened'")
    assert [e.kind for e in await repos.events.all()] == ["send"]


# --- admins -------------------------------------------------------------------------------


async def test_admins(repos: Repositories) -> None:
    assert await repos.admins.ids() == []
    await repos.admins.add(300, added_by=1, now=NOW)
    await repos.admins.add(200, added_by=1, now=NOW)
    await repos.admins.add(300, added_by=2, now=NOW)  # adding twice is harmless
    assert await repos.admins.ids() == [200, 300]
    await repos.admins.remove(300)
    await repos.admins.remove(999)
    assert await repos.admins.ids() == [200]


async def test_everything_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "ferryman.sqlite3"
    db = await Database.open(path)
    try:
        repos = Repositories.build(db)
        await repos.places.sync(load_settings(EXAMPLE, env={}).places)
        created = await new_assignment(repos)
        sent = await repos.assignments.set_status(created, Status.SENT, NOW)
    finally:
        await db.close()
    db = await Database.open(path)
    try:
        again = await Repositories.build(db).assignments.get(created.id)
    finally:
        await db.close()
    assert again == sent
    assert dataclasses.asdict(again) == dataclasses.asdict(sent)
