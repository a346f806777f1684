"""Time zones from zone data Ferryman can vouch for: the pinned ``tzdata`` package.

``zoneinfo.ZoneInfo(key)`` reads the system's zone files first and falls back to the ``tzdata``
package only when the system has none. A server whose system copy predates tzdata 2024a still
has Asia/Almaty on UTC+6: a crossing at 23:30 Kazakhstan time would be dated the next day and
"must leave by" would be a day late. So every zone Ferryman computes with is read from the
``tzdata`` package (pinned in pyproject.toml), never from the search path, and
``check_zone_data`` proves at start-up that the copy knows Kazakhstan's 2024 change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Known facts a current zone database must reproduce: (zone, a UTC moment, its UTC offset).
# Asia/Almaty moved from UTC+6 to UTC+5 on 1 March 2024 (tzdata 2024a).
ZONE_FACTS: tuple[tuple[str, datetime, timedelta], ...] = (
    ("Asia/Almaty", datetime(2024, 3, 1, 12, tzinfo=UTC), timedelta(hours=5)),
    ("Asia/Shanghai", datetime(2024, 3, 1, 12, tzinfo=UTC), timedelta(hours=8)),
)
FIX = "upgrade the Python package: pip install --upgrade 'tzdata>=2024.1'"


class StaleZoneData(RuntimeError):
    """The zone database in use is older than a fact Ferryman relies on."""

    def __init__(self, key: str, expected: timedelta, found: timedelta | None) -> None:
        self.key = key
        super().__init__(
            f"the time zone data is out of date: {key} should be UTC+{_hours(expected)} "
            f"since 2024-03-01 but this copy says UTC+{_hours(found)}; {FIX}"
        )


def _hours(offset: timedelta | None) -> str:
    return "?" if offset is None else f"{offset.total_seconds() / 3600:g}"


@cache
def zone(key: str) -> ZoneInfo:
    """The zone ``key`` read from the ``tzdata`` package, whatever the system has installed."""
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") for part in parts):
        raise ZoneInfoNotFoundError(f"not a time zone name: {key!r}")
    try:
        data = resources.files("tzdata.zoneinfo").joinpath(*parts)
        with data.open("rb") as stream:
            return ZoneInfo.from_file(stream, key=key)
    # A folder of the database ("Asia") raises IsADirectoryError; junk raises ValueError.
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, ValueError) as exc:
        raise ZoneInfoNotFoundError(f"unknown time zone {key!r}") from exc


def check_zone_data(load: Callable[[str], ZoneInfo] = zone) -> None:
    """Raise ``StaleZoneData`` naming the fix unless the zones agree with ``ZONE_FACTS``."""
    for key, moment, expected in ZONE_FACTS:
        found = moment.astimezone(load(key)).utcoffset()
        if found != expected:
            raise StaleZoneData(key, expected, found)
