from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.events import EventKind
from bot.domain.models import Event
from storage.codec import dt_from_db, dt_to_db, json_from_db, json_to_db, opt_dt_from_db
from storage.db import Database

_COLUMNS = (
    "id, kind, actor_telegram_id, assignment_id, driver_id, telegram_at, recorded_at, payload"
)


def _event(row: aiosqlite.Row) -> Event:
    return Event(
        id=row["id"],
        kind=EventKind(row["kind"]),
        actor_telegram_id=row["actor_telegram_id"],
        assignment_id=row["assignment_id"],
        driver_id=row["driver_id"],
        telegram_at=opt_dt_from_db(row["telegram_at"]),
        recorded_at=dt_from_db(row["recorded_at"]),
        payload=json_from_db(row["payload"]),
    )


class EventRepository:
    """The append-only audit trail (the table refuses UPDATE and DELETE)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(
        self,
        kind: EventKind,
        *,
        recorded_at: datetime,
        actor_telegram_id: int | None = None,
        assignment_id: int | None = None,
        driver_id: int | None = None,
        telegram_at: datetime | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO events (kind, actor_telegram_id, assignment_id, driver_id,"
                " telegram_at, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    kind.value,
                    actor_telegram_id,
                    assignment_id,
                    driver_id,
                    None if telegram_at is None else dt_to_db(telegram_at),
                    dt_to_db(recorded_at),
                    json_to_db(payload or {}),
                ),
            )

    async def for_assignment(self, assignment_id: int) -> list[Event]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM events WHERE assignment_id = ? ORDER BY id",
            (assignment_id,),
        )
        return [_event(row) for row in rows]

    async def for_driver(self, driver_id: int, kinds: tuple[EventKind, ...] = ()) -> list[Event]:
        query = f"SELECT {_COLUMNS} FROM events WHERE driver_id = ?"
        params: list[object] = [driver_id]
        if kinds:
            query += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        rows = await self.db.fetch_all(query + " ORDER BY id", params)
        return [_event(row) for row in rows]

    async def for_driver_since(
        self,
        driver_id: int,
        kinds: tuple[str, ...],
        since: datetime,
        *,
        excluding: Collection[int] = (),
    ) -> list[Event]:
        """These kinds of a driver's events recorded from ``since`` on, led by the last before.

        The one before tells what was already under way when the period began (a stay that
        started earlier), so a reader never needs the whole history. ``excluding``: event ids
        that do not count (withdrawn ones), skipped also when choosing the one before.
        """
        where = f"driver_id = ? AND kind IN ({','.join('?' * len(kinds))})"
        params: list[object] = [driver_id, *kinds]
        if excluding:
            where += f" AND id NOT IN ({','.join('?' * len(excluding))})"
            params.extend(excluding)
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM events WHERE {where} AND id >= COALESCE("
            f"(SELECT MAX(id) FROM events WHERE {where} AND recorded_at < ?), 0) ORDER BY id",
            [*params, *params, dt_to_db(since)],
        )
        return [_event(row) for row in rows]

    async def of_kinds(self, kinds: tuple[str, ...]) -> list[Event]:
        """Every event of these (rare) kinds, e.g. corrections."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM events WHERE kind IN ({','.join('?' * len(kinds))})"
            " ORDER BY id",
            kinds,
        )
        return [_event(row) for row in rows]

    async def recent(self, kinds: tuple[str, ...], since: datetime) -> list[Event]:
        """Events of these kinds recorded from ``since`` on, oldest first.

        Read from the newest event back and stopped at the first one older than ``since``:
        the table is never searched by kind (it has no index for that), only its tail is read.
        """
        found: list[Event] = []
        since_db = dt_to_db(since)
        async with self.db.conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY id DESC") as cur:
            async for row in cur:
                if row["recorded_at"] < since_db:
                    break
                if row["kind"] in kinds:
                    found.append(_event(row))
        return found[::-1]

    async def border_times_since(
        self, kinds: tuple[str, ...], since: datetime, *, excluding: Collection[int] = ()
    ) -> list[aiosqlite.Row]:
        """``for_driver_since`` for every driver at once, as bare (driver id, kind, time) rows,
        time being Telegram's where there is one: a million rows are read without building
        an Event each, and the caller parses them off the event loop."""
        where = f"driver_id IS NOT NULL AND kind IN ({','.join('?' * len(kinds))})"
        params: list[object] = [*kinds]
        if excluding:
            where += f" AND id NOT IN ({','.join('?' * len(excluding))})"
            params.extend(excluding)
        rows = await self.db.fetch_all(
            "SELECT driver_id, kind, COALESCE(telegram_at, recorded_at) FROM events"
            f" WHERE {where} AND (recorded_at >= ? OR id IN (SELECT MAX(id) FROM events"
            f" WHERE {where} AND recorded_at < ? GROUP BY driver_id)) ORDER BY driver_id, id",
            [*params, dt_to_db(since), *params, dt_to_db(since)],
        )
        return rows

    async def latest_for_driver(
        self,
        driver_id: int,
        kinds: tuple[str, ...],
        *,
        excluding: Collection[int] = (),
        until: datetime | None = None,
    ) -> Event | None:
        """The driver's most recent event of these kinds (by the order they were recorded);
        with ``until``, among those whose time (Telegram's, else ours) is not later."""
        where = f"driver_id = ? AND kind IN ({','.join('?' * len(kinds))})"
        params: list[object] = [driver_id, *kinds]
        if excluding:
            where += f" AND id NOT IN ({','.join('?' * len(excluding))})"
            params.extend(excluding)
        if until is not None:
            # Both columns hold dt_to_db's fixed UTC format, so text order is time order.
            where += " AND COALESCE(telegram_at, recorded_at) <= ?"
            params.append(dt_to_db(until))
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY id DESC LIMIT 1", params
        )
        return None if row is None else _event(row)

    async def for_assignments(
        self, assignment_ids: list[int], kinds: tuple[str, ...]
    ) -> list[Event]:
        """The events of these kinds for many assignments at once (one query per 500)."""
        return await self._for_many("assignment_id", assignment_ids, kinds)

    async def for_drivers(self, driver_ids: list[int], kinds: tuple[str, ...]) -> list[Event]:
        """The events of these kinds for many drivers at once (one query per 500 drivers)."""
        return await self._for_many("driver_id", driver_ids, kinds)

    async def _for_many(self, column: str, ids: list[int], kinds: tuple[str, ...]) -> list[Event]:
        # Chunks of 500 keep each query under SQLite's bound-parameter limit.
        found: list[Event] = []
        kind_marks = ",".join("?" * len(kinds))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM events WHERE kind IN ({kind_marks})"
                f" AND {column} IN ({','.join('?' * len(chunk))}) ORDER BY id",
                (*kinds, *chunk),
            )
            found.extend(_event(row) for row in rows)
        return found

    async def after(self, event_id: int, limit: int) -> list[Event]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?", (event_id, limit)
        )
        return [_event(row) for row in rows]

    async def all(self) -> list[Event]:
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM events ORDER BY id")
        return [_event(row) for row in rows]
