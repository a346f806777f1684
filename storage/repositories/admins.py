from __future__ import annotations

from datetime import datetime

from storage.codec import dt_to_db
from storage.db import Database


class AdminRepository:
    """Admins added by owners; owners themselves live in settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, telegram_id: int, added_by: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO admins (telegram_id, added_by, added_at) VALUES (?, ?, ?)",
                (telegram_id, added_by, dt_to_db(now)),
            )

    async def remove(self, telegram_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM admins WHERE telegram_id = ?", (telegram_id,))

    async def ids(self) -> list[int]:
        rows = await self.db.fetch_all("SELECT telegram_id FROM admins ORDER BY 1")
        return [row[0] for row in rows]
