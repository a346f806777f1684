"""Clearance codes in the database: Telegram file ids of rendered images, lookup by code."""

from __future__ import annotations

from datetime import datetime

from storage.codec import dt_to_db
from storage.db import Database


class ClearanceImageRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def file_id(self, code: str, render_version: int) -> str | None:
        """The file id of this code's image as drawn by ``render_version``, if sent before."""
        row = await self.db.fetch_one(
            "SELECT file_id FROM clearance_images WHERE code = ? AND render_version = ?",
            (code, render_version),
        )
        return None if row is None else str(row["file_id"])

    async def remember(self, code: str, file_id: str, render_version: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO clearance_images (code, file_id, render_version, recorded_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
                " file_id = excluded.file_id, render_version = excluded.render_version,"
                " recorded_at = excluded.recorded_at",
                (code, file_id, render_version, dt_to_db(now)),
            )

    async def forget(self, code: str) -> None:
        """Drop a file id Telegram no longer accepts."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM clearance_images WHERE code = ?", (code,))

    async def assignments_with_code(self, code: str) -> list[int]:
        """Ids of assignments holding exactly this clearance code, newest first."""
        rows = await self.db.fetch_all(
            "SELECT id FROM assignments WHERE clearance_code = ? AND clearance_code != ''"
            " ORDER BY id DESC",
            (code,),
        )
        return [int(row["id"]) for row in rows]
