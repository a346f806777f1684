from __future__ import annotations

from datetime import date

from bot.domain.models import Vehicle
from bot.domain.vin import normalize_vin
from storage.codec import Columns, date_to_db
from storage.db import Database

COLUMNS = ("id", "vin", "model", "colour")


def vehicle_from_row(row: Columns) -> Vehicle:
    return Vehicle(id=row["id"], vin=row["vin"], model=row["model"], colour=row["colour"])


class VehicleRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, vin: str, model: str = "", colour: str = "") -> Vehicle:
        vin = normalize_vin(vin)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO vehicles (vin, model, colour) VALUES (?, ?, ?)"
                " ON CONFLICT (vin) DO UPDATE SET model = excluded.model,"
                " colour = excluded.colour",
                (vin, model, colour),
            )
        found = await self.by_vin(vin)
        assert found is not None
        return found

    async def get(self, vehicle_id: int) -> Vehicle | None:
        row = await self.db.fetch_one(
            "SELECT id, vin, model, colour FROM vehicles WHERE id = ?", (vehicle_id,)
        )
        return None if row is None else vehicle_from_row(row)

    async def for_day(self, service_date: date) -> dict[int, Vehicle]:
        """Every car booked on the day, by id, in one query (the QR sheet of 4,000 trips)."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT v.id, v.vin, v.model, v.colour FROM vehicles v"
            " JOIN assignments a ON a.vehicle_id = v.id WHERE a.service_date = ?",
            (date_to_db(service_date),),
        )
        return {row["id"]: vehicle_from_row(row) for row in rows}

    async def by_vin(self, vin: str) -> Vehicle | None:
        row = await self.db.fetch_one(
            "SELECT id, vin, model, colour FROM vehicles WHERE vin = ?", (vin.strip().upper(),)
        )
        return None if row is None else vehicle_from_row(row)
