from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import dt_from_db, dt_to_db
from storage.db import Database


@dataclass(frozen=True, slots=True)
class PendingInput:
    telegram_id: int
    kind: str
    assignment_id: int | None
    created_at: datetime


class PendingInputRepository:
    """What the bot waits for from a user next (one thing at a time)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set(
        self, telegram_id: int, kind: str, assignment_id: int | None, now: datetime
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO pending_inputs (telegram_id, kind, assignment_id, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
                " kind = excluded.kind, assignment_id = excluded.assignment_id,"
                " created_at = excluded.created_at",
                (telegram_id, kind, assignment_id, dt_to_db(now)),
            )

    async def get(self, telegram_id: int) -> PendingInput | None:
        row = await self.db.fetch_one(
            "SELECT telegram_id, kind, assignment_id, created_at FROM pending_inputs"
            " WHERE telegram_id = ?",
            (telegram_id,),
        )
        if row is None:
            return None
        return PendingInput(
            telegram_id=row["telegram_id"],
            kind=row["kind"],
            assignment_id=row["assignment_id"],
            created_at=dt_from_db(row["created_at"]),
        )

    async def clear(self, telegram_id: int, kind: str | None = None) -> None:
        async with self.db.transaction() as conn:
            if kind is None:
                await conn.execute(
                    "DELETE FROM pending_inputs WHERE telegram_id = ?", (telegram_id,)
                )
            else:
                await conn.execute(
                    "DELETE FROM pending_inputs WHERE telegram_id = ? AND kind = ?",
                    (telegram_id, kind),
                )
