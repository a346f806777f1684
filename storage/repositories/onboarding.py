from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.codec import dt_from_db, dt_to_db, json_from_db, json_to_db, opt_dt_from_db
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Invitation:
    token: str
    name: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None
    # The phone number the admin gave at /invite ('' when none): the shared contact must match.
    phone: str = ""
    # The first person who opened the link; nobody else can register with it.
    claimed_by: int | None = None


@dataclass(frozen=True, slots=True)
class Registration:
    telegram_id: int
    invitation_token: str
    step: str
    data: dict[str, Any]
    updated_at: datetime


class InvitationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        token: str,
        name: str,
        created_by: int,
        now: datetime,
        expires_at: datetime,
        phone: str = "",
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO invitations (token, name, created_by, created_at, expires_at,"
                " phone) VALUES (?, ?, ?, ?, ?, ?)",
                (token, name, created_by, dt_to_db(now), dt_to_db(expires_at), phone),
            )

    async def get(self, token: str) -> Invitation | None:
        row = await self.db.fetch_one(
            "SELECT token, name, created_by, created_at, expires_at, used_by, used_at, phone,"
            " claimed_by FROM invitations WHERE token = ?",
            (token,),
        )
        if row is None:
            return None
        return Invitation(
            token=row["token"],
            name=row["name"],
            created_by=row["created_by"],
            created_at=dt_from_db(row["created_at"]),
            expires_at=dt_from_db(row["expires_at"]),
            used_by=row["used_by"],
            used_at=opt_dt_from_db(row["used_at"]),
            phone=row["phone"],
            claimed_by=row["claimed_by"],
        )

    async def claim(self, token: str, telegram_id: int) -> bool:
        """True if the link is now this person's (first to open it, or already theirs)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invitations SET claimed_by = ? WHERE token = ?"
                " AND (claimed_by IS NULL OR claimed_by = ?)",
                (telegram_id, token, telegram_id),
            )
            return cursor.rowcount == 1

    async def mark_used(self, token: str, telegram_id: int, now: datetime) -> bool:
        """True if this call used the invitation (a used one stays used)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invitations SET used_by = ?, used_at = ? WHERE token = ?"
                " AND used_by IS NULL",
                (telegram_id, dt_to_db(now), token),
            )
            return cursor.rowcount == 1


class RegistrationRepository:
    """Onboarding progress, one row per user, so a restart loses nothing."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(
        self, telegram_id: int, token: str, step: str, data: dict[str, Any], now: datetime
    ) -> Registration:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO registrations (telegram_id, invitation_token, step, data,"
                " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
                " invitation_token = excluded.invitation_token, step = excluded.step,"
                " data = excluded.data, updated_at = excluded.updated_at",
                (telegram_id, token, step, json_to_db(data), dt_to_db(now)),
            )
        return Registration(telegram_id, token, step, dict(data), now)

    async def get(self, telegram_id: int) -> Registration | None:
        row = await self.db.fetch_one(
            "SELECT telegram_id, invitation_token, step, data, updated_at FROM registrations"
            " WHERE telegram_id = ?",
            (telegram_id,),
        )
        if row is None:
            return None
        return Registration(
            telegram_id=row["telegram_id"],
            invitation_token=row["invitation_token"],
            step=row["step"],
            data=json_from_db(row["data"]),
            updated_at=dt_from_db(row["updated_at"]),
        )

    async def delete(self, telegram_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM registrations WHERE telegram_id = ?", (telegram_id,))
