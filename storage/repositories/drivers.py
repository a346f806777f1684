from __future__ import annotations

import sqlite3
from datetime import date, datetime

from bot.domain.models import Driver, DriverStatus
from storage.codec import Columns, date_to_db, dt_from_db, dt_to_db, opt_date_from_db
from storage.db import Database

COLUMNS = (
    "id",
    "telegram_id",
    "name",
    "phone",
    "passport_number",
    "passport_expiry",
    "language",
    "status",
    "created_at",
)
_COLUMNS = ", ".join(COLUMNS)


class DriverExists(Exception):
    """A driver with this Telegram account is already registered."""


def driver_from_row(row: Columns) -> Driver:
    return Driver(
        id=row["id"],
        telegram_id=row["telegram_id"],
        name=row["name"],
        phone=row["phone"],
        passport_number=row["passport_number"],
        passport_expiry=opt_date_from_db(row["passport_expiry"]),
        language=row["language"],
        status=DriverStatus(row["status"]),
        created_at=dt_from_db(row["created_at"]),
    )


class DriverRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        name: str,
        now: datetime,
        telegram_id: int | None = None,
        phone: str = "",
        passport_number: str = "",
        passport_expiry: date | None = None,
        language: str = "zh",
    ) -> Driver:
        async with self.db.transaction() as conn:
            try:
                cursor = await conn.execute(
                    "INSERT INTO drivers (telegram_id, name, phone, passport_number,"
                    " passport_expiry, language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        telegram_id,
                        name,
                        phone,
                        passport_number,
                        None if passport_expiry is None else date_to_db(passport_expiry),
                        language,
                        dt_to_db(now),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                # The only unique column a caller can collide with is telegram_id.
                raise DriverExists(f"Telegram user {telegram_id} is already a driver") from exc
            driver_id = cursor.lastrowid
        assert driver_id is not None
        found = await self.get(driver_id)
        assert found is not None
        return found

    async def get(self, driver_id: int) -> Driver | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM drivers WHERE id = ?", (driver_id,))
        return None if row is None else driver_from_row(row)

    async def by_telegram_id(self, telegram_id: int) -> Driver | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM drivers WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else driver_from_row(row)

    async def by_ids(self, driver_ids: list[int]) -> dict[int, Driver]:
        if not driver_ids:
            return {}
        marks = ",".join("?" * len(driver_ids))
        async with self.db.conn.execute(
            f"SELECT {_COLUMNS} FROM drivers WHERE id IN ({marks})", driver_ids
        ) as cur:
            return {row["id"]: driver_from_row(row) async for row in cur}

    async def active(self) -> list[Driver]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM drivers WHERE status = 'active' ORDER BY id"
        )
        return [driver_from_row(row) for row in rows]

    async def set_language(self, driver_id: int, language: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE drivers SET language = ? WHERE id = ?", (language, driver_id)
            )

    async def set_status(self, driver_id: int, status: DriverStatus) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE drivers SET status = ? WHERE id = ?", (status.value, driver_id)
            )

    async def mark_unreachable(self, telegram_id: int, now: datetime) -> Driver | None:
        """Telegram refused the driver's chat; returns the driver only if this is news."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE drivers SET unreachable_at = ?"
                " WHERE telegram_id = ? AND unreachable_at IS NULL",
                (dt_to_db(now), telegram_id),
            )
            if cursor.rowcount == 0:
                return None
        return await self.by_telegram_id(telegram_id)

    async def mark_reachable(self, telegram_id: int) -> bool:
        """The driver wrote to the bot again; True if they had been unreachable."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE drivers SET unreachable_at = NULL"
                " WHERE telegram_id = ? AND unreachable_at IS NOT NULL",
                (telegram_id,),
            )
            return cursor.rowcount > 0

    async def unreachable_ids(self) -> set[int]:
        rows = await self.db.fetch_all("SELECT id FROM drivers WHERE unreachable_at IS NOT NULL")
        return {int(row[0]) for row in rows}
