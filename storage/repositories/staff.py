"""Company staff besides drivers: checkpoint staff, everyone's language, one-time staff links.

Admins themselves live in ``admins`` (AdminRepository); owners only in settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codec import dt_from_db, dt_to_db, opt_dt_from_db
from storage.db import Database


@dataclass(frozen=True, slots=True)
class StaffRow:
    """What the database knows of one person's standing, read in one query."""

    is_admin: bool
    is_checkpoint: bool
    language: str | None


@dataclass(frozen=True, slots=True)
class StaffMember:
    telegram_id: int
    name: str
    added_by: int | None
    added_at: datetime


@dataclass(frozen=True, slots=True)
class StaffInvitation:
    token: str
    role: str  # "admin" or "checkpoint"
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


class StaffRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def lookup(self, telegram_id: int) -> StaffRow:
        row = await self.db.fetch_one(
            "SELECT EXISTS (SELECT 1 FROM admins WHERE telegram_id = ?) AS admin,"
            " EXISTS (SELECT 1 FROM checkpoint_staff WHERE telegram_id = ?) AS checkpoint,"
            " (SELECT language FROM staff_languages WHERE telegram_id = ?) AS language",
            (telegram_id, telegram_id, telegram_id),
        )
        assert row is not None
        return StaffRow(bool(row["admin"]), bool(row["checkpoint"]), row["language"])

    # --- checkpoint staff --------------------------------------------------------------

    async def add_checkpoint(
        self, telegram_id: int, name: str, added_by: int | None, now: datetime
    ) -> bool:
        """False when the person already was checkpoint staff."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO checkpoint_staff (telegram_id, name, added_by, added_at)"
                " VALUES (?, ?, ?, ?)",
                (telegram_id, name, added_by, dt_to_db(now)),
            )
            return cursor.rowcount > 0

    async def remove_checkpoint(self, telegram_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM checkpoint_staff WHERE telegram_id = ?", (telegram_id,)
            )
            return cursor.rowcount > 0

    async def checkpoint_staff(self) -> list[StaffMember]:
        rows = await self.db.fetch_all(
            "SELECT telegram_id, name, added_by, added_at FROM checkpoint_staff ORDER BY added_at"
        )
        return [
            StaffMember(r["telegram_id"], r["name"], r["added_by"], dt_from_db(r["added_at"]))
            for r in rows
        ]

    # --- languages ---------------------------------------------------------------------

    async def set_language(self, telegram_id: int, language: str, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO staff_languages (telegram_id, language, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language,"
                " updated_at = excluded.updated_at",
                (telegram_id, language, dt_to_db(now)),
            )

    async def languages(self) -> dict[int, str]:
        rows = await self.db.fetch_all("SELECT telegram_id, language FROM staff_languages")
        return {row["telegram_id"]: row["language"] for row in rows}

    # --- one-time links ----------------------------------------------------------------

    async def add_invitation(
        self, token: str, role: str, created_by: int, now: datetime, expires_at: datetime
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO staff_invitations (token, role, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token, role, created_by, dt_to_db(now), dt_to_db(expires_at)),
            )

    async def invitation(self, token: str) -> StaffInvitation | None:
        row = await self.db.fetch_one(
            "SELECT token, role, created_by, created_at, expires_at, used_by, used_at"
            " FROM staff_invitations WHERE token = ?",
            (token,),
        )
        if row is None:
            return None
        return StaffInvitation(
            token=row["token"],
            role=row["role"],
            created_by=row["created_by"],
            created_at=dt_from_db(row["created_at"]),
            expires_at=dt_from_db(row["expires_at"]),
            used_by=row["used_by"],
            used_at=opt_dt_from_db(row["used_at"]),
        )

    async def use_invitation(self, token: str, telegram_id: int, now: datetime) -> bool:
        """Marks the link used; False when someone used it first (a link works once)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE staff_invitations SET used_by = ?, used_at = ?"
                " WHERE token = ? AND used_by IS NULL",
                (telegram_id, dt_to_db(now), token),
            )
            return cursor.rowcount > 0


class OverrideRepository:
    """Settings the bot learnt at run time (a dispatch group upgraded to a supergroup)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM setting_overrides WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO setting_overrides (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (key, value, dt_to_db(now)),
            )


class AnswerRepository:
    """The last answer each person gave to a pending question, to recognise a repeat."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_repeat(
        self, telegram_id: int, fingerprint: str, now: datetime, window_seconds: float
    ) -> bool:
        """True if the same answer came within the window; otherwise remembers this one.

        Read and write share the write transaction, so of two identical messages handled at
        the same time exactly one is the answer and the other the repeat.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT fingerprint, received_at FROM last_answers WHERE telegram_id = ?",
                (telegram_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and row[0] == fingerprint:
                age = (now - dt_from_db(row[1])).total_seconds()
                if 0 <= age <= window_seconds:
                    return True
            await conn.execute(
                "INSERT INTO last_answers (telegram_id, fingerprint, received_at)"
                " VALUES (?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
                " fingerprint = excluded.fingerprint, received_at = excluded.received_at",
                (telegram_id, fingerprint, dt_to_db(now)),
            )
            return False

    async def forget(self, telegram_id: int, fingerprint: str) -> None:
        """Forget this answer (if it is still the last one): its handling failed midway, so
        the same message sent again is a retry to handle, not a repeat to drop."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM last_answers WHERE telegram_id = ? AND fingerprint = ?",
                (telegram_id, fingerprint),
            )
