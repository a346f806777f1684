from __future__ import annotations

from datetime import datetime

from bot.domain.models import Event
from storage.codec import dt_to_db
from storage.db import Database
from storage.repositories.events import EventRepository


class DigestRepository:
    """Cursors over the events table, one per digest, so no event is reported twice."""

    def __init__(self, db: Database, events: EventRepository) -> None:
        self.db = db
        self.events = events

    async def cursor(self, name: str) -> int:
        row = await self.db.fetch_one(
            "SELECT last_event_id FROM digest_cursors WHERE name = ?", (name,)
        )
        return int(row[0]) if row else 0

    async def pending(self, name: str, limit: int = 5000) -> list[Event]:
        return await self.events.after(await self.cursor(name), limit)

    async def advance(self, name: str, last_event_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO digest_cursors (name, last_event_id, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id,"
                " updated_at = excluded.updated_at",
                (name, last_event_id, dt_to_db(now)),
            )
