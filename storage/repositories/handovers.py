"""One-time handover links: the receiver at the lot confirms the car or reports a problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from storage.codec import date_to_db, dt_from_db, dt_to_db, opt_dt_to_db
from storage.db import Database

_COLUMNS = (
    "token, assignment_id, created_at, expires_at, answered_by, answered_name, answered_at,"
    " outcome"
)


@dataclass(frozen=True, slots=True)
class Handover:
    token: str
    assignment_id: int
    created_at: datetime
    expires_at: datetime
    answered_by: int | None
    answered_name: str
    answered_at: datetime | None
    outcome: str | None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


def _handover(row: aiosqlite.Row) -> Handover:
    answered_at = row["answered_at"]
    return Handover(
        token=row["token"],
        assignment_id=row["assignment_id"],
        created_at=dt_from_db(row["created_at"]),
        expires_at=dt_from_db(row["expires_at"]),
        answered_by=row["answered_by"],
        answered_name=row["answered_name"],
        answered_at=None if answered_at is None else dt_from_db(answered_at),
        outcome=row["outcome"],
    )


class HandoverRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, token: str, assignment_id: int, now: datetime, expires_at: datetime
    ) -> Handover:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO handovers (token, assignment_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token, assignment_id, dt_to_db(now), dt_to_db(expires_at)),
            )
        handover = await self.get(token)
        assert handover is not None
        return handover

    async def get(self, token: str) -> Handover | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM handovers WHERE token = ?", (token,)
        )
        return None if row is None else _handover(row)

    async def for_assignment(self, assignment_id: int) -> list[Handover]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM handovers WHERE assignment_id = ? ORDER BY created_at",
            (assignment_id,),
        )
        return [_handover(row) for row in rows]

    async def answer(
        self, token: str, telegram_id: int, name: str, outcome: str, now: datetime
    ) -> bool:
        """Records the receiver's answer; False if the link was answered already (it works
        once, and two taps at the same moment must not both count)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE handovers SET answered_by = ?, answered_name = ?, answered_at = ?,"
                " outcome = ? WHERE token = ? AND answered_at IS NULL",
                (telegram_id, name, opt_dt_to_db(now), outcome, token),
            )
            return cursor.rowcount == 1

    async def unconfirmed_on(self, day: date) -> dict[int, datetime]:
        """Delivered trips of ``day`` whose receiver has not answered: id → link created."""
        rows = await self.db.fetch_all(
            "SELECT h.assignment_id, MIN(h.created_at) AS created_at FROM handovers h"
            " JOIN assignments a ON a.id = h.assignment_id"
            " WHERE a.service_date = ? AND a.status = 'delivered'"
            " GROUP BY h.assignment_id HAVING MAX(h.answered_at IS NOT NULL) = 0",
            (date_to_db(day),),
        )
        return {row["assignment_id"]: dt_from_db(row["created_at"]) for row in rows}
