"""Trips: an assignment read together with its car, places and driver in one query.

Every button press, proof step, reminder and alert shows a trip, so this read is on the
hot path: one joined SELECT instead of one query per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.lifecycle import ACTIVE
from bot.domain.models import Trip
from storage.db import Database
from storage.repositories import assignments, drivers, places, vehicles

# (alias, columns): the joined row is cut back into these parts in the same order.
_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a", assignments.COLUMNS),
    ("v", vehicles.COLUMNS),
    ("p", places.COLUMNS),
    ("q", places.COLUMNS),
    ("d", drivers.COLUMNS),
)
_SELECT = (
    "SELECT "
    + ", ".join(f"{alias}.{column}" for alias, columns in _PARTS for column in columns)
    + " FROM assignments a"
    " JOIN vehicles v ON v.id = a.vehicle_id"
    " JOIN places p ON p.id = a.pickup_place_id"
    " JOIN places q ON q.id = a.destination_place_id"
    # No driver yet (an unassigned trip) is a trip all the same.
    " LEFT JOIN drivers d ON d.id = a.driver_id"
)


def _trip(row: Sequence[Any]) -> Trip:
    parts: list[dict[str, Any]] = []
    start = 0
    for _alias, columns in _PARTS:
        parts.append(dict(zip(columns, row[start : start + len(columns)], strict=True)))
        start += len(columns)
    assignment, vehicle, pickup, destination, driver = parts
    return Trip(
        assignment=assignments.assignment_from_row(assignment),
        vehicle=vehicles.vehicle_from_row(vehicle),
        pickup=places.place_from_row(pickup),
        destination=places.place_from_row(destination),
        driver=None if driver["id"] is None else drivers.driver_from_row(driver),
    )


class TripRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, assignment_id: int) -> Trip | None:
        rows = await self.db.fetch_tuples(f"{_SELECT} WHERE a.id = ?", (assignment_id,))
        return _trip(rows[0]) if rows else None

    async def current_for_driver(self, driver_id: int) -> Trip | None:
        """The driver's trip in progress, else the earliest one not yet finished."""
        marks = ",".join("?" * len(ACTIVE))
        rows = await self.db.fetch_tuples(
            f"{_SELECT} WHERE a.driver_id = ? AND a.status IN ({marks})"
            " ORDER BY CASE a.status WHEN 'sent' THEN 1 ELSE 0 END, a.service_date, a.id LIMIT 1",
            (driver_id, *sorted(s.value for s in ACTIVE)),
        )
        return _trip(rows[0]) if rows else None

    async def many(self, assignment_ids: Sequence[int]) -> dict[int, Trip]:
        """Several trips in one read (a digest of many events); unknown ids are left out."""
        wanted = sorted(set(assignment_ids))
        if not wanted:
            return {}
        found: dict[int, Trip] = {}
        # SQLite allows 32,766 parameters; a digest is far below, but chunk to stay safe.
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in await self.db.fetch_tuples(f"{_SELECT} WHERE a.id IN ({marks})", chunk):
                trip = _trip(row)
                found[trip.assignment.id] = trip
        return found
