"""The SQLite connection: pragmas, migrations at open, and write transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, cast

import aiosqlite

from storage.migrations import migrate

BUSY_TIMEOUT_MS = 5_000

# Set while the current task holds the write transaction, so nested calls join it.
_in_transaction: ContextVar[bool] = ContextVar("ferryman_in_transaction", default=False)


async def _enable_wal(conn: aiosqlite.Connection) -> None:
    """Switch to WAL, waiting out another opener (a migrate racing start-up on a new file).

    SQLite answers "database is locked" at once here instead of using the busy timeout.
    """
    for _ in range(BUSY_TIMEOUT_MS // 50):
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            await asyncio.sleep(0.05)
    await conn.execute("PRAGMA journal_mode=WAL")


class Database:
    """One aiosqlite connection shared by the process; writes are serialized by a lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, run_migrations: bool = True) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await _enable_wal(conn)
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            if run_migrations:
                await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    async def close(self) -> None:
        await self.conn.close()

    async def fetch_one(self, sql: str, params: Sequence[object] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_tuples(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Plain tuples: for reads of thousands of rows (the board), where building a
        ``sqlite3.Row`` around each one costs more than the search itself."""
        async with self.conn.execute(sql, params) as cursor:
            cursor.row_factory = None  # this cursor only; applied when the rows are fetched
            # aiosqlite types every row as ``Row``; without a factory sqlite3 gives tuples.
            return cast(list[tuple[Any, ...]], await cursor.fetchall())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error; nested use joins the outer one."""
        if _in_transaction.get():
            yield self.conn
            return
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            token = _in_transaction.set(True)
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()
            finally:
                _in_transaction.reset(token)
