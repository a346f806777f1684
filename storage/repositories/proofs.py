from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.models import Proof, ProofKind
from storage.codec import dt_from_db, dt_to_db
from storage.db import Database

_COLUMNS = (
    "id, assignment_id, kind, checklist_item, file_id, file_unique_id, sha256, media_path,"
    " latitude, longitude, horizontal_accuracy, distance_m, flagged, live, telegram_at,"
    " received_at, phash, stage"
)


def _proof(row: aiosqlite.Row) -> Proof:
    return Proof(
        id=row["id"],
        assignment_id=row["assignment_id"],
        kind=ProofKind(row["kind"]),
        checklist_item=row["checklist_item"],
        file_id=row["file_id"],
        file_unique_id=row["file_unique_id"],
        sha256=row["sha256"],
        media_path=row["media_path"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        horizontal_accuracy=row["horizontal_accuracy"],
        distance_m=row["distance_m"],
        flagged=bool(row["flagged"]),
        live=bool(row["live"]),
        telegram_at=dt_from_db(row["telegram_at"]),
        received_at=dt_from_db(row["received_at"]),
        phash=row["phash"],
        stage=row["stage"],
    )


class ProofRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_photo(
        self,
        *,
        assignment_id: int,
        checklist_item: str,
        file_id: str,
        file_unique_id: str,
        sha256: str,
        media_path: str,
        telegram_at: datetime,
        received_at: datetime,
        phash: str | None = None,
        flagged: bool = False,
        stage: str = "delivery",
    ) -> Proof:
        return await self._insert(
            "photo",
            assignment_id,
            telegram_at,
            received_at,
            phash=phash,
            flagged=int(flagged),
            stage=stage,
            checklist_item=checklist_item,
            file_id=file_id,
            file_unique_id=file_unique_id,
            sha256=sha256,
            media_path=media_path,
        )

    async def add_location(
        self,
        *,
        assignment_id: int,
        latitude: float,
        longitude: float,
        horizontal_accuracy: float | None,
        distance_m: float,
        flagged: bool,
        live: bool,
        telegram_at: datetime,
        received_at: datetime,
    ) -> Proof:
        return await self._insert(
            "location",
            assignment_id,
            telegram_at,
            received_at,
            latitude=latitude,
            longitude=longitude,
            horizontal_accuracy=horizontal_accuracy,
            distance_m=distance_m,
            flagged=int(flagged),
            live=int(live),
        )

    async def _insert(
        self,
        kind: str,
        assignment_id: int,
        telegram_at: datetime,
        received_at: datetime,
        **columns: object,
    ) -> Proof:
        names = ["assignment_id", "kind", "telegram_at", "received_at", *columns]
        values = [assignment_id, kind, dt_to_db(telegram_at), dt_to_db(received_at)]
        values.extend(columns.values())
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"INSERT INTO proofs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                values,
            )
            proof_id = cursor.lastrowid
            async with conn.execute(
                f"SELECT {_COLUMNS} FROM proofs WHERE id = ?", (proof_id,)
            ) as cur:
                row = await cur.fetchone()
        assert row is not None
        return _proof(row)

    async def for_assignment(self, assignment_id: int) -> list[Proof]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM proofs WHERE assignment_id = ? ORDER BY id",
            (assignment_id,),
        )
        return [_proof(row) for row in rows]

    async def same_photo(self, sha256: str, file_unique_id: str) -> Proof | None:
        """The first proof photo with these bytes or this Telegram file, if any."""
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM proofs WHERE kind = 'photo'"
            " AND (sha256 = ? OR file_unique_id = ?) ORDER BY id LIMIT 1",
            (sha256, file_unique_id),
        )
        return None if row is None else _proof(row)

    async def fingerprints_since(self, since: datetime) -> list[tuple[int, int, str, str]]:
        """(proof id, assignment id, checklist item, perceptual hash) of recent photos."""
        rows = await self.db.fetch_all(
            "SELECT id, assignment_id, checklist_item, phash FROM proofs"
            " WHERE phash IS NOT NULL AND received_at >= ? ORDER BY id",
            (dt_to_db(since),),
        )
        return [
            (row["id"], row["assignment_id"], row["checklist_item"] or "", row["phash"])
            for row in rows
        ]
