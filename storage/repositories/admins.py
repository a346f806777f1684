from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import dt_from_db, dt_to_db
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Admin:
    telegram_id: int
    name: str
    added_by: int | None
    added_at: datetime


class AdminRepository:
    """Admins added by owners; owners themselves live in settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, telegram_id: int, added_by: int, now: datetime, name: str = "") -> bool:
        """False when the person already was an admin."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO admins (telegram_id, added_by, added_at, name)"
                " VALUES (?, ?, ?, ?)",
                (telegram_id, added_by, dt_to_db(now), name),
            )
            return cursor.rowcount > 0

    async def remove(self, telegram_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM admins WHERE telegram_id = ?", (telegram_id,))
            return cursor.rowcount > 0

    async def all(self) -> list[Admin]:
        rows = await self.db.fetch_all(
            "SELECT telegram_id, name, added_by, added_at FROM admins ORDER BY added_at"
        )
        return [
            Admin(r["telegram_id"], r["name"], r["added_by"], dt_from_db(r["added_at"]))
            for r in rows
        ]

    async def ids(self) -> list[int]:
        rows = await self.db.fetch_all("SELECT telegram_id FROM admins ORDER BY 1")
        return [row[0] for row in rows]
