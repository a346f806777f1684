from __future__ import annotations

from datetime import date, datetime

from bot.domain.lifecycle import Status
from bot.domain.models import Assignment, ClearanceKind, SentMessage
from storage.codec import Columns, date_from_db, date_to_db, dt_from_db, dt_to_db
from storage.db import Database

COLUMNS = (
    "id",
    "service_date",
    "driver_id",
    "vehicle_id",
    "pickup_place_id",
    "destination_place_id",
    "pickup_at",
    "deliver_by",
    "receiver_name",
    "receiver_phone",
    "clearance_code",
    "clearance_kind",
    "status",
    "version",
    "created_at",
    "updated_at",
)
_COLUMNS = ", ".join(COLUMNS)


class ConcurrentUpdate(Exception):
    """The assignment changed since it was read; nothing was written."""


class VehicleAlreadyAssigned(Exception):
    """The car already has a live (not cancelled) assignment on that day."""

    def __init__(self, vehicle_id: int, service_date: date) -> None:
        self.vehicle_id = vehicle_id
        self.service_date = service_date
        super().__init__(f"vehicle {vehicle_id} already has an assignment on {service_date}")


def assignment_from_row(row: Columns) -> Assignment:
    return Assignment(
        id=row["id"],
        service_date=date_from_db(row["service_date"]),
        driver_id=row["driver_id"],
        vehicle_id=row["vehicle_id"],
        pickup_place_id=row["pickup_place_id"],
        destination_place_id=row["destination_place_id"],
        pickup_at=dt_from_db(row["pickup_at"]),
        deliver_by=dt_from_db(row["deliver_by"]),
        receiver_name=row["receiver_name"],
        receiver_phone=row["receiver_phone"],
        clearance_code=row["clearance_code"],
        clearance_kind=ClearanceKind(row["clearance_kind"]),
        status=Status(row["status"]),
        version=row["version"],
        created_at=dt_from_db(row["created_at"]),
        updated_at=dt_from_db(row["updated_at"]),
    )


class AssignmentRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        service_date: date,
        vehicle_id: int,
        pickup_place_id: int,
        destination_place_id: int,
        pickup_at: datetime,
        deliver_by: datetime,
        now: datetime,
        driver_id: int | None = None,
        receiver_name: str = "",
        receiver_phone: str = "",
        clearance_code: str = "",
        clearance_kind: ClearanceKind = ClearanceKind.GENERATED,
    ) -> Assignment:
        async with self.db.transaction() as conn:
            # Checked inside the write transaction, so no other writer can slip in between.
            async with conn.execute(
                "SELECT 1 FROM assignments WHERE vehicle_id = ? AND service_date = ?"
                " AND status != 'cancelled'",
                (vehicle_id, date_to_db(service_date)),
            ) as cur:
                if await cur.fetchone() is not None:
                    raise VehicleAlreadyAssigned(vehicle_id, service_date)
            cursor = await conn.execute(
                "INSERT INTO assignments (service_date, driver_id, vehicle_id, pickup_place_id,"
                " destination_place_id, pickup_at, deliver_by, receiver_name, receiver_phone,"
                " clearance_code, clearance_kind, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    date_to_db(service_date),
                    driver_id,
                    vehicle_id,
                    pickup_place_id,
                    destination_place_id,
                    dt_to_db(pickup_at),
                    dt_to_db(deliver_by),
                    receiver_name,
                    receiver_phone,
                    clearance_code,
                    clearance_kind.value,
                    dt_to_db(now),
                    dt_to_db(now),
                ),
            )
            assignment_id = cursor.lastrowid
            assert assignment_id is not None
            found = await self.get(assignment_id)
        assert found is not None
        return found

    async def get(self, assignment_id: int) -> Assignment | None:
        row = await self.db.fetch_one(
            f"SELECT {_COLUMNS} FROM assignments WHERE id = ?", (assignment_id,)
        )
        return None if row is None else assignment_from_row(row)

    async def for_day(self, service_date: date) -> list[Assignment]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM assignments WHERE service_date = ? ORDER BY id",
            (date_to_db(service_date),),
        )
        return [assignment_from_row(row) for row in rows]

    async def for_driver(self, driver_id: int, limit: int = 50) -> list[Assignment]:
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM assignments WHERE driver_id = ?"
            " ORDER BY service_date DESC, id DESC LIMIT ?",
            (driver_id, limit),
        )
        return [assignment_from_row(row) for row in rows]

    async def set_status(
        self, assignment: Assignment, status: Status, now: datetime
    ) -> Assignment:
        """Optimistic write: refused with ConcurrentUpdate if someone changed it meanwhile."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE assignments SET status = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? AND version = ?",
                (status.value, dt_to_db(now), assignment.id, assignment.version),
            )
            if cursor.rowcount != 1:
                raise ConcurrentUpdate(f"assignment {assignment.id} changed meanwhile")
            found = await self.get(assignment.id)
        assert found is not None
        return found

    async def set_driver(
        self, assignment: Assignment, driver_id: int | None, status: Status, now: datetime
    ) -> Assignment:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE assignments SET driver_id = ?, status = ?, version = version + 1,"
                " updated_at = ? WHERE id = ? AND version = ?",
                (driver_id, status.value, dt_to_db(now), assignment.id, assignment.version),
            )
            if cursor.rowcount != 1:
                raise ConcurrentUpdate(f"assignment {assignment.id} changed meanwhile")
            found = await self.get(assignment.id)
        assert found is not None
        return found

    async def set_clearance(
        self, assignment_id: int, code: str, kind: ClearanceKind, now: datetime
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE assignments SET clearance_code = ?, clearance_kind = ?,"
                " version = version + 1, updated_at = ? WHERE id = ?",
                (code, kind.value, dt_to_db(now), assignment_id),
            )

    async def record_message(
        self, assignment_id: int, chat_id: int, message_id: int, purpose: str, now: datetime
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO sent_messages (assignment_id, chat_id, message_id, purpose, sent_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (assignment_id, chat_id, message_id, purpose, dt_to_db(now)),
            )

    async def messages(self, assignment_id: int, purpose: str | None = None) -> list[SentMessage]:
        query = (
            "SELECT assignment_id, chat_id, message_id, purpose, sent_at FROM sent_messages"
            " WHERE assignment_id = ?"
        )
        params: tuple[object, ...] = (assignment_id,)
        if purpose is not None:
            query += " AND purpose = ?"
            params = (assignment_id, purpose)
        async with self.db.conn.execute(query + " ORDER BY id", params) as cur:
            return [
                SentMessage(
                    assignment_id=row["assignment_id"],
                    chat_id=row["chat_id"],
                    message_id=row["message_id"],
                    purpose=row["purpose"],
                    sent_at=dt_from_db(row["sent_at"]),
                )
                async for row in cur
            ]
