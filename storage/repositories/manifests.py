"""Bulk reads and writes of a manifest import: a few joins and executemany, not a query a row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.codec import (
    date_to_db,
    dt_from_db,
    dt_to_db,
    json_from_db,
    json_to_db,
    opt_date_from_db,
)
from storage.db import Database

# SQLite's default limit on host parameters is 32,766; chunks keep every IN list well below.
_CHUNK = 900


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@dataclass(frozen=True, slots=True)
class DriverRow:
    id: int
    name: str
    phone: str
    status: str
    passport_expiry: date | None


@dataclass(frozen=True, slots=True)
class Bookings:
    """Live trips on some days: who drives and which car, by assignment id."""

    drivers: dict[tuple[int, date], int]
    vins: dict[tuple[str, date], int]


@dataclass(frozen=True, slots=True)
class TripInsert:
    id: int
    service_date: date
    driver_id: int
    vin: str
    model: str
    colour: str
    pickup_place_id: int
    destination_place_id: int
    pickup_at: datetime
    deliver_by: datetime
    receiver_name: str
    receiver_phone: str
    clearance_code: str
    clearance_kind: str
    notes: str


class ManifestRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def drivers(self) -> list[DriverRow]:
        rows = await self.db.fetch_all(
            "SELECT id, name, phone, status, passport_expiry FROM drivers WHERE phone != ''"
        )
        return [DriverRow(r[0], r[1], r[2], r[3], opt_date_from_db(r[4])) for r in rows]

    async def border_events(
        self,
        driver_ids: Sequence[int],
        kinds: Sequence[str],
        since: datetime,
        correction_kind: str,
    ) -> dict[int, list[tuple[str, datetime]]]:
        """Border events of these drivers since ``since``, oldest first (Telegram's time where
        known), without those an admin withdrew (listed in ``correction_kind`` events)."""
        found: dict[int, list[tuple[str, datetime]]] = {}
        marks_kinds = ",".join("?" * len(kinds))
        for chunk in _chunks(sorted(set(driver_ids))):
            marks = ",".join("?" * len(chunk))
            withdrawn: set[int] = set()
            for (payload,) in await self.db.fetch_all(
                f"SELECT payload FROM events WHERE driver_id IN ({marks}) AND kind = ?",
                (*chunk, correction_kind),
            ):
                withdrawn.update(int(i) for i in json_from_db(payload).get("withdraws", ()))
            rows = await self.db.fetch_all(
                "SELECT id, driver_id, kind, COALESCE(telegram_at, recorded_at) FROM events"
                f" WHERE driver_id IN ({marks}) AND kind IN ({marks_kinds})"
                " AND recorded_at >= ? ORDER BY id",
                (*chunk, *kinds, dt_to_db(since)),
            )
            for event_id, driver_id, kind, at in rows:
                if event_id not in withdrawn:
                    found.setdefault(driver_id, []).append((kind, dt_from_db(at)))
        return found

    async def bookings(self, days: Sequence[date]) -> Bookings:
        """Trips on these days that hold a driver (not declined or cancelled) or a car.

        A car is held by any trip not cancelled, as the unique index on the table says.
        """
        drivers: dict[tuple[int, date], int] = {}
        vins: dict[tuple[str, date], int] = {}
        for chunk in _chunks([date_to_db(d) for d in sorted(set(days))]):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetch_all(
                "SELECT a.id, a.service_date, a.driver_id, a.status, v.vin FROM assignments a"
                " JOIN vehicles v ON v.id = a.vehicle_id"
                f" WHERE a.service_date IN ({marks}) AND a.status != 'cancelled'",
                tuple(chunk),
            )
            for assignment_id, day_text, driver_id, status, vin in rows:
                day = date.fromisoformat(day_text)
                vins.setdefault((vin, day), assignment_id)
                if driver_id is not None and status != "declined":
                    drivers.setdefault((driver_id, day), assignment_id)
        return Bookings(drivers, vins)

    async def next_assignment_id(self) -> int:
        """Call inside the write transaction: nobody else can take the ids until it ends."""
        row = await self.db.fetch_one("SELECT COALESCE(MAX(id), 0) + 1 FROM assignments")
        assert row is not None
        return int(row[0])

    async def insert_trips(
        self, trips: Sequence[TripInsert], *, now: datetime, actor: int | None, source: str
    ) -> None:
        """Cars, trips and their "created" events in one transaction (all or nothing)."""
        stamp = dt_to_db(now)
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO vehicles (vin, model, colour) VALUES (?, ?, ?)"
                " ON CONFLICT (vin) DO UPDATE SET"
                " model = CASE WHEN excluded.model != '' THEN excluded.model ELSE model END,"
                " colour = CASE WHEN excluded.colour != '' THEN excluded.colour ELSE colour END",
                [(t.vin, t.model, t.colour) for t in trips],
            )
            vehicle_ids: dict[str, int] = {}
            for chunk in _chunks(sorted({t.vin for t in trips})):
                marks = ",".join("?" * len(chunk))
                async with conn.execute(
                    f"SELECT vin, id FROM vehicles WHERE vin IN ({marks})", tuple(chunk)
                ) as cursor:
                    vehicle_ids.update({vin: vid async for vin, vid in cursor})
            await conn.executemany(
                "INSERT INTO assignments (id, service_date, driver_id, vehicle_id,"
                " pickup_place_id, destination_place_id, pickup_at, deliver_by, receiver_name,"
                " receiver_phone, clearance_code, clearance_kind, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.id,
                        date_to_db(t.service_date),
                        t.driver_id,
                        vehicle_ids[t.vin],
                        t.pickup_place_id,
                        t.destination_place_id,
                        dt_to_db(t.pickup_at),
                        dt_to_db(t.deliver_by),
                        t.receiver_name,
                        t.receiver_phone,
                        t.clearance_code,
                        t.clearance_kind,
                        stamp,
                        stamp,
                    )
                    for t in trips
                ],
            )
            await conn.executemany(
                "INSERT INTO events (kind, actor_telegram_id, assignment_id, driver_id,"
                " recorded_at, payload) VALUES ('created', ?, ?, ?, ?, ?)",
                [
                    (
                        actor,
                        t.id,
                        t.driver_id,
                        stamp,
                        json_to_db(
                            {
                                "vin": t.vin,
                                "service_date": t.service_date.isoformat(),
                                "source": source,
                                **({"notes": t.notes} if t.notes else {}),
                            }
                        ),
                    )
                    for t in trips
                ],
            )

    async def detach_messages(
        self, assignment_id: int, purpose: str = "assignment"
    ) -> list[tuple[int, int]]:
        """The assignment's messages as (chat, message), no longer refreshed with the trip: the
        trip went to another driver, whose copy must not show the old one's buttons again."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT chat_id, message_id FROM sent_messages"
                " WHERE assignment_id = ? AND purpose = ? ORDER BY id",
                (assignment_id, purpose),
            ) as cursor:
                found = [(row[0], row[1]) async for row in cursor]
            await conn.execute(
                "UPDATE sent_messages SET purpose = ? WHERE assignment_id = ? AND purpose = ?",
                (f"{purpose}.reassigned", assignment_id, purpose),
            )
        return found

    async def outbox_outcomes(self, purpose: str) -> list[tuple[str, str]]:
        """(status, error) of every outbox row of a purpose (a broadcast's progress)."""
        rows = await self.db.fetch_all(
            "SELECT status, COALESCE(error, '') FROM outbox WHERE purpose = ?", (purpose,)
        )
        return [(row[0], row[1]) for row in rows]
