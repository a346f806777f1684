from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.pending import InputKind
from storage.codec import dt_from_db, dt_to_db, json_from_db, json_to_db
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingInput:
    telegram_id: int
    kind: InputKind
    assignment_id: int | None
    created_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    # The input this one interrupted: it becomes the pending input again once this is done.
    resumes: PendingInput | None = None


def _to_json(pending: PendingInput) -> dict[str, Any]:
    return {
        "kind": pending.kind.value,
        "assignment_id": pending.assignment_id,
        "created_at": dt_to_db(pending.created_at),
        "data": pending.data,
        "resumes": None if pending.resumes is None else _to_json(pending.resumes),
    }


def _from_json(telegram_id: int, raw: dict[str, Any] | None) -> PendingInput | None:
    if not raw:
        return None
    try:
        kind = InputKind(raw["kind"])
    except (KeyError, ValueError):
        return None
    return PendingInput(
        telegram_id=telegram_id,
        kind=kind,
        assignment_id=raw.get("assignment_id"),
        created_at=dt_from_db(raw["created_at"]),
        data=dict(raw.get("data") or {}),
        resumes=_from_json(telegram_id, raw.get("resumes")),
    )


class PendingInputRepository:
    """What the bot waits for from a user next: one thing at a time, plus what it interrupted."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set(
        self,
        telegram_id: int,
        kind: InputKind,
        assignment_id: int | None,
        now: datetime,
        *,
        data: dict[str, Any] | None = None,
        interrupt: bool = False,
    ) -> None:
        """Waits for ``kind`` next. With ``interrupt`` the current input (of another kind) is
        kept and resumes when this one is cleared; otherwise it is replaced."""
        async with self.db.transaction() as conn:
            resume: str | None = None
            if interrupt:
                current = await self.get(telegram_id)
                if current is not None and current.kind is not kind:
                    resume = json_to_db(_to_json(current))
                elif current is not None and current.resumes is not None:
                    resume = json_to_db(_to_json(current.resumes))
            await conn.execute(
                "INSERT INTO pending_inputs (telegram_id, kind, assignment_id, created_at, data,"
                " resume) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
                " kind = excluded.kind, assignment_id = excluded.assignment_id,"
                " created_at = excluded.created_at, data = excluded.data,"
                " resume = excluded.resume",
                (
                    telegram_id,
                    kind.value,
                    assignment_id,
                    dt_to_db(now),
                    json_to_db(data or {}),
                    resume,
                ),
            )

    async def get(self, telegram_id: int) -> PendingInput | None:
        row = await self.db.fetch_one(
            "SELECT telegram_id, kind, assignment_id, created_at, data, resume"
            " FROM pending_inputs WHERE telegram_id = ?",
            (telegram_id,),
        )
        if row is None:
            return None
        try:
            kind = InputKind(row["kind"])
        except ValueError:
            # A kind from another version of Ferryman: nothing here can answer it.
            log.warning("unknown pending input kind %r ignored", row["kind"])
            return None
        return PendingInput(
            telegram_id=row["telegram_id"],
            kind=kind,
            assignment_id=row["assignment_id"],
            created_at=dt_from_db(row["created_at"]),
            data=json_from_db(row["data"]),
            resumes=_from_json(
                row["telegram_id"], json_from_db(row["resume"]) if row["resume"] else None
            ),
        )

    async def clear(self, telegram_id: int, kind: InputKind | None = None) -> PendingInput | None:
        """Done with ``kind`` (or with everything, when None); returns the input that resumes."""
        async with self.db.transaction() as conn:
            if kind is None:
                await conn.execute(
                    "DELETE FROM pending_inputs WHERE telegram_id = ?", (telegram_id,)
                )
                return None
            current = await self.get(telegram_id)
            if current is None or current.kind is not kind:
                return current
            resumed = current.resumes
            if resumed is None:
                await conn.execute(
                    "DELETE FROM pending_inputs WHERE telegram_id = ?", (telegram_id,)
                )
                return None
            await conn.execute(
                "UPDATE pending_inputs SET kind = ?, assignment_id = ?, created_at = ?, data = ?,"
                " resume = ? WHERE telegram_id = ?",
                (
                    resumed.kind.value,
                    resumed.assignment_id,
                    dt_to_db(resumed.created_at),
                    json_to_db(resumed.data),
                    None if resumed.resumes is None else json_to_db(_to_json(resumed.resumes)),
                    telegram_id,
                ),
            )
            return resumed
