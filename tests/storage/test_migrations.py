"""Schema migrations and the database's own guarantees (pragmas, constraints, triggers)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from storage.db import Database
from storage.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    RebuildMismatch,
    SchemaTooNew,
    TableRebuild,
    current_version,
    migrate,
)

CORE_TABLES = {
    "drivers",
    "places",
    "vehicles",
    "assignments",
    "sent_messages",
    "proofs",
    "events",
    "admins",
    "schema_migrations",
}
NOW = "2024-06-01T08:00:00.000000+00:00"
VIN = "LGXCE4CB5R0123456"


@pytest.fixture
async def raw(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A bare connection to an empty database file, as `Database.open` makes it."""
    conn = await aiosqlite.connect(str(tmp_path / "raw.sqlite3"), isolation_level=None)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "ferryman.sqlite3")
    try:
        yield database
    finally:
        await database.close()


async def schema(conn: aiosqlite.Connection) -> list[tuple[str, str, str]]:
    async with conn.execute(
        "SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name"
    ) as cur:
        return [(row[0], row[1], row[2]) async for row in cur]


async def tables(conn: aiosqlite.Connection) -> set[str]:
    return {name for kind, name, _ in await schema(conn) if kind == "table"}


async def scalar(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()) -> object:
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    assert row is not None
    return row[0]


# --- migrations ---------------------------------------------------------------------------


def test_versions_are_consecutive_from_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert MIGRATIONS[-1].version == LATEST_VERSION


async def test_empty_to_current(raw: aiosqlite.Connection) -> None:
    assert await current_version(raw) == 0
    applied = await migrate(raw)
    assert applied == list(range(1, LATEST_VERSION + 1))
    assert await current_version(raw) == LATEST_VERSION
    assert await tables(raw) >= CORE_TABLES
    names = await scalar(raw, "SELECT group_concat(name, '|') FROM schema_migrations")
    assert isinstance(names, str)
    assert names.split("|")[0] == "core schema"


async def test_rerun_is_a_no_op(raw: aiosqlite.Connection) -> None:
    await migrate(raw)
    before = await schema(raw)
    assert await migrate(raw) == []
    assert await schema(raw) == before
    assert await scalar(raw, "SELECT COUNT(*) FROM schema_migrations") == LATEST_VERSION


async def test_reopening_a_database_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "ferryman.sqlite3"
    first = await Database.open(path)
    try:
        await first.conn.execute(
            "INSERT INTO admins (telegram_id, added_by, added_at) VALUES (42, 1, ?)", (NOW,)
        )
    finally:
        await first.close()
    second = await Database.open(path)
    try:
        assert await scalar(second.conn, "SELECT COUNT(*) FROM admins") == 1
        assert await current_version(second.conn) == LATEST_VERSION
    finally:
        await second.close()


async def test_partly_migrated_database_is_brought_up_to_date(raw: aiosqlite.Connection) -> None:
    assert await migrate(raw, MIGRATIONS[:1]) == [1]
    await raw.execute(
        "INSERT INTO admins (telegram_id, added_by, added_at) VALUES (42, 1, ?)", (NOW,)
    )
    assert await migrate(raw) == list(range(2, LATEST_VERSION + 1))
    assert await scalar(raw, "SELECT COUNT(*) FROM admins") == 1


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ferryman.sqlite3"
    database = await Database.open(path)
    await database.conn.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (?, 'future')",
        (LATEST_VERSION + 1,),
    )
    await database.close()

    with pytest.raises(SchemaTooNew) as caught:
        await Database.open(path)
    assert caught.value.database_version == LATEST_VERSION + 1
    assert caught.value.code_version == LATEST_VERSION
    assert "upgrade Ferryman" in str(caught.value)


async def test_newer_schema_is_refused_by_migrate(raw: aiosqlite.Connection) -> None:
    await migrate(raw)
    await raw.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (?, 'future')", (LATEST_VERSION + 3,)
    )
    before = await schema(raw)
    with pytest.raises(SchemaTooNew):
        await migrate(raw)
    assert await schema(raw) == before


async def test_failing_migration_leaves_nothing_half_applied(db: Database) -> None:
    before = await schema(db.conn)
    broken = Migration(
        LATEST_VERSION + 1,
        "broken",
        """
        CREATE TABLE half_done (x INTEGER);
        ALTER TABLE drivers ADD COLUMN nickname TEXT;
        INSERT INTO admins (telegram_id, added_by, added_at)
            VALUES (7, 1, '2024-06-01T00:00:00+00:00');
        INSERT INTO no_such_table VALUES (1);
        """,
    )
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        await migrate(db.conn, (*MIGRATIONS, broken))

    assert await schema(db.conn) == before
    assert await current_version(db.conn) == LATEST_VERSION
    assert await scalar(db.conn, "SELECT COUNT(*) FROM admins") == 0
    assert not db.conn.in_transaction
    # The connection is still usable for ordinary writes ...
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO admins (telegram_id, added_by, added_at) VALUES (8, 1, ?)", (NOW,)
        )
    assert await scalar(db.conn, "SELECT COUNT(*) FROM admins") == 1
    # ... and the fixed migration applies cleanly afterwards.
    fixed = Migration(LATEST_VERSION + 1, "fixed", "CREATE TABLE half_done (x INTEGER);")
    assert await migrate(db.conn, (*MIGRATIONS, fixed)) == [LATEST_VERSION + 1]
    assert "half_done" in await tables(db.conn)


async def test_earlier_migrations_stay_when_a_later_one_fails(raw: aiosqlite.Connection) -> None:
    broken = Migration(2, "broken", "CREATE TABLE two (x); SELECT * FROM nowhere;")
    with pytest.raises(sqlite3.OperationalError):
        await migrate(raw, (MIGRATIONS[0], broken))
    assert await current_version(raw) == 1
    assert "drivers" in await tables(raw)
    assert "two" not in await tables(raw)


async def test_concurrent_first_opens_all_succeed(tmp_path: Path) -> None:
    # E.g. `ferryman migrate` racing the bot's start-up on a new database file.
    path = tmp_path / "ferryman.sqlite3"
    results = await asyncio.gather(
        *(Database.open(path) for _ in range(3)), return_exceptions=True
    )
    opened = [r for r in results if isinstance(r, Database)]
    try:
        assert opened == results
        for database in opened:
            assert await current_version(database.conn) == LATEST_VERSION
        assert await scalar(opened[0].conn, "SELECT COUNT(*) FROM schema_migrations") == (
            LATEST_VERSION
        )
    finally:
        for database in opened:
            await database.close()


async def test_migration_name_with_a_quote(raw: aiosqlite.Connection) -> None:
    quoted = Migration(1, "drivers' table", "CREATE TABLE t (x);")
    assert await migrate(raw, (quoted,)) == [1]
    assert await current_version(raw) == 1


# --- connection guarantees ----------------------------------------------------------------


async def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    assert await scalar(db.conn, "PRAGMA journal_mode") == "wal"
    assert await scalar(db.conn, "PRAGMA foreign_keys") == 1
    assert int(str(await scalar(db.conn, "PRAGMA busy_timeout"))) >= 1000


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await db.conn.execute(
            "INSERT INTO assignments (service_date, vehicle_id, pickup_place_id,"
            " destination_place_id, pickup_at, deliver_by, created_at, updated_at)"
            " VALUES ('2024-06-01', 999, 998, 997, ?, ?, ?, ?)",
            (NOW, NOW, NOW, NOW),
        )


async def test_open_creates_missing_folders(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "a" / "b" / "ferryman.sqlite3")
    await database.close()
    assert (tmp_path / "a" / "b" / "ferryman.sqlite3").is_file()


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO admins (telegram_id, added_by, added_at) VALUES (1, 1, ?)", (NOW,)
            )
            raise RuntimeError("boom")
    assert await scalar(db.conn, "SELECT COUNT(*) FROM admins") == 0
    assert not db.conn.in_transaction


async def test_nested_transactions_join_the_outer_one(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as outer:
            await outer.execute(
                "INSERT INTO admins (telegram_id, added_by, added_at) VALUES (1, 1, ?)", (NOW,)
            )
            async with db.transaction() as inner:
                await inner.execute(
                    "INSERT INTO admins (telegram_id, added_by, added_at) VALUES (2, 1, ?)", (NOW,)
                )
            raise RuntimeError("after the inner block")
    assert await scalar(db.conn, "SELECT COUNT(*) FROM admins") == 0


# --- schema rules -------------------------------------------------------------------------


async def _event(conn: aiosqlite.Connection) -> None:
    await conn.execute(
        "INSERT INTO events (kind, recorded_at, payload) VALUES ('dispatched', ?, '{}')", (NOW,)
    )


async def test_events_refuse_update(db: Database) -> None:
    await _event(db.conn)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.conn.execute("UPDATE events SET kind = 'forged'")
    assert await scalar(db.conn, "SELECT kind FROM events") == "dispatched"


async def test_events_refuse_delete(db: Database) -> None:
    await _event(db.conn)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.conn.execute("DELETE FROM events")
    assert await scalar(db.conn, "SELECT COUNT(*) FROM events") == 1


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT OR REPLACE INTO events (id, kind, recorded_at) VALUES (1, 'forged', ?)",
        "REPLACE INTO events (id, kind, recorded_at) VALUES (1, 'forged', ?)",
    ],
)
async def test_events_cannot_be_rewritten_by_replacing_a_row(db: Database, statement: str) -> None:
    await _event(db.conn)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.conn.execute(statement, (NOW,))
    assert await scalar(db.conn, "SELECT kind FROM events WHERE id = 1") == "dispatched"
    # A new row is still welcome, with or without an id of its own.
    await db.conn.execute("INSERT INTO events (id, kind, recorded_at) VALUES (9, 'x', ?)", (NOW,))
    await db.conn.execute(
        "INSERT OR REPLACE INTO events (kind, recorded_at) VALUES ('y', ?)", (NOW,)
    )
    assert await scalar(db.conn, "SELECT COUNT(*) FROM events") == 3


async def test_vin_is_unique(db: Database) -> None:
    await db.conn.execute("INSERT INTO vehicles (vin) VALUES (?)", (VIN,))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await db.conn.execute("INSERT INTO vehicles (vin) VALUES (?)", (VIN,))


async def test_vin_must_have_17_characters(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await db.conn.execute("INSERT INTO vehicles (vin) VALUES ('LGXCE4CB5R012345')")


async def _assignment(conn: aiosqlite.Connection, day: str, status: str = "planned") -> None:
    await conn.execute(
        "INSERT INTO assignments (service_date, vehicle_id, pickup_place_id,"
        " destination_place_id, pickup_at, deliver_by, status, created_at, updated_at)"
        " VALUES (?, 1, 1, 2, ?, ?, ?, ?, ?)",
        (day, NOW, NOW, status, NOW, NOW),
    )


async def test_one_live_assignment_per_vehicle_and_day(db: Database) -> None:
    await db.conn.execute("INSERT INTO vehicles (id, vin) VALUES (1, ?)", (VIN,))
    await db.conn.execute(
        "INSERT INTO places (id, code, name, kind, latitude, longitude) VALUES"
        " (1, 'yard', 'Yard', 'yard', 44.2, 80.4), (2, 'lot', 'Lot', 'lot', 44.1, 80.0)"
    )
    await _assignment(db.conn, "2024-06-01")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await _assignment(db.conn, "2024-06-01")
    # A declined trip is still live (it waits to be reassigned) ...
    await db.conn.execute("UPDATE assignments SET status = 'declined'")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await _assignment(db.conn, "2024-06-01")
    # ... a cancelled one is not, and another day is another day.
    await db.conn.execute("UPDATE assignments SET status = 'cancelled'")
    await _assignment(db.conn, "2024-06-01")
    await _assignment(db.conn, "2024-06-02")
    assert await scalar(db.conn, "SELECT COUNT(*) FROM assignments") == 3


async def test_unknown_status_is_refused(db: Database) -> None:
    await db.conn.execute("INSERT INTO vehicles (id, vin) VALUES (1, ?)", (VIN,))
    await db.conn.execute(
        "INSERT INTO places (id, code, name, kind, latitude, longitude) VALUES"
        " (1, 'yard', 'Yard', 'yard', 44.2, 80.4), (2, 'lot', 'Lot', 'lot', 44.1, 80.0)"
    )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await _assignment(db.conn, "2024-06-01", status="lost")


async def _places_and_car(conn: aiosqlite.Connection) -> None:
    await conn.execute("INSERT INTO vehicles (id, vin) VALUES (1, ?)", (VIN,))
    await conn.execute(
        "INSERT INTO places (id, code, name, kind, latitude, longitude) VALUES"
        " (1, 'yard', 'Yard', 'yard', 44.2, 80.4), (2, 'lot', 'Lot', 'lot', 44.1, 80.0)"
    )


async def test_a_car_can_be_returning_to_the_yard(db: Database) -> None:
    await _places_and_car(db.conn)
    await _assignment(db.conn, "2024-06-01", status="returning")
    # Still live: the car cannot be booked twice that day while it is on its way back.
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await _assignment(db.conn, "2024-06-01")


async def test_rebuilding_assignments_keeps_rows_references_and_indexes(
    raw: aiosqlite.Connection,
) -> None:
    at = next(
        i for i, m in enumerate(MIGRATIONS) if m.rebuild and m.rebuild.table == "assignments"
    )
    await migrate(raw, MIGRATIONS[:at])
    await raw.execute("PRAGMA foreign_keys=ON")
    await _places_and_car(raw)
    await _assignment(raw, "2024-06-01", status="picked_up")
    await raw.execute(
        "INSERT INTO events (kind, assignment_id, recorded_at) VALUES ('pick_up', 1, ?)", (NOW,)
    )
    indexes = {n for kind, n, _ in await schema(raw) if kind == "index" and "auto" not in n}

    assert await migrate(raw) == [m.version for m in MIGRATIONS[at:]]

    assert await scalar(raw, "SELECT status FROM assignments WHERE id = 1") == "picked_up"
    await raw.execute("UPDATE assignments SET status = 'returning' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await raw.execute("UPDATE assignments SET status = 'lost' WHERE id = 1")
    assert {n for kind, n, _ in await schema(raw) if kind == "index"} >= indexes
    assert not {n for n in await tables(raw) if "rebuild" in n}
    assert await scalar(raw, "PRAGMA foreign_keys") == 1
    # The events still point at the assignment, and a dangling reference is still refused.
    assert await scalar(raw, "SELECT COUNT(*) FROM events JOIN assignments a ON a.id = 1") == 1
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await raw.execute(
            "INSERT INTO events (kind, assignment_id, recorded_at) VALUES ('x', 99, ?)", (NOW,)
        )


async def test_a_rebuild_written_for_another_schema_is_refused(db: Database) -> None:
    before = await schema(db.conn)
    wrong = Migration(
        LATEST_VERSION + 1,
        "wrong",
        "",
        rebuild=TableRebuild("assignments", "'no such text'", "'x'"),
    )
    with pytest.raises(RebuildMismatch):
        await migrate(db.conn, (*MIGRATIONS, wrong))
    assert await schema(db.conn) == before
    assert await current_version(db.conn) == LATEST_VERSION
