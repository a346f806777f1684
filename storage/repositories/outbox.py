"""The outbox table: messages waiting to be sent, and what became of each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime

import aiosqlite

from bot.outbox.model import Method, Outgoing, Priority, QueuedMessage, Status
from storage.codec import dt_from_db, dt_to_db, json_from_db, json_to_db, opt_dt_from_db
from storage.db import Database

_COLUMNS = (
    "id, key, chat_id, method, payload, priority, purpose, assignment_id, driver_id,"
    " not_before, status, attempts, message_id, created_at"
)
_OPEN = "('pending', 'sending')"


def _queued(row: aiosqlite.Row) -> QueuedMessage:
    return QueuedMessage(
        id=row["id"],
        message=Outgoing(
            chat_id=row["chat_id"],
            method=Method(row["method"]),
            payload=json_from_db(row["payload"]),
            key=row["key"],
            priority=Priority(row["priority"]),
            purpose=row["purpose"],
            assignment_id=row["assignment_id"],
            driver_id=row["driver_id"],
            not_before=opt_dt_from_db(row["not_before"]),
        ),
        status=Status(row["status"]),
        attempts=row["attempts"],
        message_id=row["message_id"],
        created_at=dt_from_db(row["created_at"]),
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, *messages: Outgoing) -> int:
        """Queue ``messages``; one whose key is already queued (or sent) is ignored.

        Joins the caller's transaction, so the rows commit (or vanish) with the change that
        caused them. Returns how many were new.
        """
        added = 0
        async with self.db.transaction() as conn:
            for message in messages:
                cursor = await conn.execute(
                    "INSERT INTO outbox (key, chat_id, method, payload, priority, purpose,"
                    " assignment_id, driver_id, not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (
                        message.key,
                        message.chat_id,
                        str(message.method),
                        json_to_db(dict(message.payload)),
                        int(message.priority),
                        message.purpose,
                        message.assignment_id,
                        message.driver_id,
                        None if message.not_before is None else dt_to_db(message.not_before),
                    ),
                )
                added += cursor.rowcount
        return added

    async def due(
        self,
        now: datetime,
        *,
        limit: int,
        skip_ids: Collection[int] = (),
        skip_chats: Collection[int] = (),
    ) -> list[QueuedMessage]:
        """The next open rows in sending order, leaving out rows and chats not ready yet."""
        query = (
            f"SELECT {_COLUMNS} FROM outbox WHERE status IN {_OPEN}"
            " AND (not_before IS NULL OR not_before <= ?)"
        )
        params: list[object] = [dt_to_db(now)]
        if skip_ids:
            query += f" AND id NOT IN ({','.join('?' * len(skip_ids))})"
            params.extend(skip_ids)
        if skip_chats:
            query += f" AND chat_id NOT IN ({','.join('?' * len(skip_chats))})"
            params.extend(skip_chats)
        query += " ORDER BY priority, id LIMIT ?"
        params.append(limit)
        return [_queued(row) for row in await self.db.fetch_all(query, params)]

    async def next_not_before(self, now: datetime) -> datetime | None:
        """When the earliest row held back by ``not_before`` becomes due."""
        row = await self.db.fetch_one(
            f"SELECT MIN(not_before) FROM outbox WHERE status IN {_OPEN} AND not_before > ?",
            (dt_to_db(now),),
        )
        return None if row is None or row[0] is None else dt_from_db(row[0])

    async def claim(self, row_id: int) -> bool:
        """About to call Telegram: from here a crash may send this row twice, never more.

        False when the row was closed since it was read (then it must not be sent)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                f" WHERE id = ? AND status IN {_OPEN}",
                (row_id,),
            )
            return cursor.rowcount == 1

    async def release(self, row_id: int, error: str) -> None:
        """The call failed in a way worth retrying: open again."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'pending', error = ? WHERE id = ?", (error, row_id)
            )

    async def finish(
        self,
        row_id: int,
        status: Status,
        now: datetime,
        *,
        message_id: int | None = None,
        error: str = "",
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = ?, message_id = ?, error = ?, done_at = ?"
                " WHERE id = ?",
                (str(status), message_id, error, dt_to_db(now), row_id),
            )

    async def skip_chat(self, chat_id: int, reason: str, now: datetime) -> int:
        """Close every open row to a chat Telegram refuses; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE outbox SET status = 'skipped', error = ?, done_at = ?"
                f" WHERE chat_id = ? AND status IN {_OPEN}",
                (reason, dt_to_db(now), chat_id),
            )
            return cursor.rowcount

    async def readdress(self, old_chat_id: int, new_chat_id: int) -> int:
        """Every open row to ``old_chat_id`` goes to ``new_chat_id`` (a group became a
        supergroup), the one refused in flight included; returns how many."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE outbox SET chat_id = ?, status = 'pending'"
                f" WHERE chat_id = ? AND status IN {_OPEN}",
                (new_chat_id, old_chat_id),
            )
            return cursor.rowcount

    async def get(self, key: str) -> QueuedMessage | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,))
        return None if row is None else _queued(row)

    async def by_purpose(self, purpose: str) -> list[QueuedMessage]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM outbox WHERE purpose = ? ORDER BY id", (purpose,)
        )
        return [_queued(row) for row in rows]

    async def for_assignments(
        self, assignment_ids: Iterable[int], purpose: str
    ) -> dict[int, list[QueuedMessage]]:
        ids = list(assignment_ids)
        found: dict[int, list[QueuedMessage]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM outbox WHERE purpose = ?"
                f" AND assignment_id IN ({','.join('?' * len(chunk))}) ORDER BY id",
                (purpose, *chunk),
            )
            for row in rows:
                queued = _queued(row)
                assert queued.message.assignment_id is not None
                found.setdefault(queued.message.assignment_id, []).append(queued)
        return found

    async def open_count(self) -> int:
        row = await self.db.fetch_one(f"SELECT COUNT(*) FROM outbox WHERE status IN {_OPEN}")
        return int(row[0]) if row else 0

    async def counts(self) -> Counter[str]:
        rows = await self.db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return Counter({row[0]: int(row[1]) for row in rows})
