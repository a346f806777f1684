"""Conversions between domain values and SQLite columns (UTC ISO-8601 text)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Protocol


class Columns(Protocol):
    """A row read by column name: an ``aiosqlite.Row``, or a dict cut out of a joined row."""

    def __getitem__(self, key: str, /) -> Any: ...


def dt_to_db(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def dt_from_db(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def opt_dt_to_db(value: datetime | None) -> str | None:
    return None if value is None else dt_to_db(value)


def opt_dt_from_db(value: str | None) -> datetime | None:
    return None if value is None else dt_from_db(value)


def date_to_db(value: date) -> str:
    return value.isoformat()


def date_from_db(value: str) -> date:
    return date.fromisoformat(value)


def opt_date_from_db(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def json_to_db(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def json_from_db(value: str) -> dict[str, Any]:
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}
