from __future__ import annotations

import json

from bot.config import PlaceSettings
from bot.domain.models import Place
from storage.codec import Columns
from storage.db import Database

COLUMNS = (
    "id",
    "code",
    "name",
    "kind",
    "latitude",
    "longitude",
    "address",
    "timezone",
    "names",
)
_COLUMNS = ", ".join(COLUMNS)


def place_from_row(row: Columns) -> Place:
    return Place(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=row["kind"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        address=row["address"],
        timezone=row["timezone"],
        names=json.loads(row["names"] or "{}"),
    )


class PlaceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def sync(self, places: tuple[PlaceSettings, ...]) -> None:
        """Settings are the source of places: insert new codes, update changed ones."""
        async with self.db.transaction() as conn:
            for p in places:
                await conn.execute(
                    "INSERT INTO places (code, name, kind, latitude, longitude, address,"
                    " timezone, names) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (code) DO UPDATE SET"
                    " name = excluded.name, kind = excluded.kind,"
                    " latitude = excluded.latitude, longitude = excluded.longitude,"
                    " address = excluded.address, timezone = excluded.timezone,"
                    " names = excluded.names",
                    (
                        p.code,
                        p.name,
                        p.kind,
                        p.latitude,
                        p.longitude,
                        p.address,
                        p.timezone,
                        json.dumps(dict(p.names), ensure_ascii=False, sort_keys=True),
                    ),
                )

    async def get(self, place_id: int) -> Place | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM places WHERE id = ?", (place_id,))
        return None if row is None else place_from_row(row)

    async def by_code(self, code: str) -> Place | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM places WHERE code = ?", (code,))
        return None if row is None else place_from_row(row)

    async def all(self) -> list[Place]:
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM places ORDER BY code")
        return [place_from_row(row) for row in rows]
