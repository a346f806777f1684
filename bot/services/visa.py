"""Visa-free figures for a driver, from the border events in the audit trail."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.events import EventKind
from bot.domain.models import Driver
from bot.domain.visa import (
    CLOCK_TOLERANCE,
    WINDOW_DAYS,
    BorderEvent,
    BorderEventKind,
    VisaStatus,
    visa_status,
)
from storage.repositories import Repositories

_KINDS = {
    EventKind.BORDER_CROSSED: BorderEventKind.CROSSED,
    EventKind.BORDER_RETURNED: BorderEventKind.RETURNED,
}
# An admin's correction of a mistaken "crossed" press (see bot.services.corrections): its
# payload lists the border events it withdraws. They stay in the table, but do not count.
_CORRECTION = EventKind.CORRECT_CROSSING


# The 180-day window is counted in Kazakhstan calendar days, and Telegram's clock (which the
# figures use) may differ from ours: two days more than the window are read, never less.
_READ_BACK = timedelta(days=WINDOW_DAYS + 2)


async def _withdrawn(repos: Repositories, driver_id: int) -> set[int]:
    """Border events an admin withdrew; corrections are rare, so all of them are read."""
    corrections = await repos.events.for_driver(driver_id, (_CORRECTION,))
    return {int(event_id) for e in corrections for event_id in e.payload.get("withdraws", ())}


async def border_events(repos: Repositories, driver_id: int, now: datetime) -> list[BorderEvent]:
    """The border events that matter at ``now``: the last 180 days and the stay under way.

    A driver crossing daily for years would otherwise be read in full on every assignment
    sent and every button refreshed.
    """
    events = await repos.events.for_driver_since(
        driver_id,
        tuple(_KINDS),
        now - _READ_BACK,
        excluding=await _withdrawn(repos, driver_id),
    )
    # Telegram's clock says when the driver pressed; ours is the fallback.
    return [BorderEvent(_KINDS[e.kind], e.telegram_at or e.recorded_at) for e in events]


async def driver_visa_status(repos: Repositories, driver_id: int, now: datetime) -> VisaStatus:
    return visa_status(await border_events(repos, driver_id, now), now)


async def is_in_kazakhstan(
    repos: Repositories, driver_id: int, now: datetime | None = None
) -> bool:
    """Whether the last border record says Kazakhstan; with ``now``, records stamped after it
    (beyond the clock tolerance) have not happened and do not count, as in the day count."""
    # The order the bot recorded them in decides: clocks can tie or disagree.
    last = await repos.events.latest_for_driver(
        driver_id,
        tuple(_KINDS),
        excluding=await _withdrawn(repos, driver_id),
        until=None if now is None else now + CLOCK_TOLERANCE,
    )
    return last is not None and _KINDS[last.kind] is BorderEventKind.CROSSED


# Within this many days of the 90-day limit a driver is worth an admin's look.
NEAR_LIMIT_DAYS = 10


@dataclass(frozen=True, slots=True)
class DriverVisa:
    driver: Driver
    status: VisaStatus

    @property
    def urgency(self) -> tuple[int, int, str]:
        """Sort key: over the limit (most days over first), then the earliest date to leave."""
        s = self.status
        over = max(s.overstay_days, s.window_days_over)
        leave = s.must_leave_by.isoformat() if s.must_leave_by else "9999"
        return (-over, 0 if s.in_kazakhstan else 1, leave)


def _needs_a_look(status: VisaStatus) -> bool:
    return (
        status.in_kazakhstan
        or status.over_limit
        or status.window_days_left <= NEAR_LIMIT_DAYS
        or bool(status.anomalies)
    )


async def visa_overview(repos: Repositories, now: datetime) -> list[DriverVisa]:
    """Drivers an admin should see (in Kazakhstan, over or near a limit, or with border
    records to check), most urgent first; one query for everyone's border events."""
    corrections = await repos.events.of_kinds((_CORRECTION,))
    withdrawn = {int(i) for e in corrections for i in e.payload.get("withdraws", ())}
    rows = await repos.events.border_times_since(
        tuple(_KINDS), now - _READ_BACK, excluding=withdrawn
    )

    def count() -> dict[int, VisaStatus]:
        borders: dict[int, list[BorderEvent]] = {}
        kinds = {kind.value: border for kind, border in _KINDS.items()}
        for driver_id, kind, at in rows:
            # Stored as UTC ISO-8601 with its offset: fromisoformat gives an aware time.
            event = BorderEvent(kinds[kind], datetime.fromisoformat(at))
            borders.setdefault(driver_id, []).append(event)
        return {driver_id: visa_status(events, now) for driver_id, events in borders.items()}

    # Thousands of histories are CPU work (parsing included): off the event loop.
    statuses = await asyncio.to_thread(count)
    wanted = [driver_id for driver_id, status in statuses.items() if _needs_a_look(status)]
    drivers = await repos.drivers.by_ids(wanted)
    found = [DriverVisa(drivers[i], statuses[i]) for i in wanted if i in drivers]
    return sorted(found, key=lambda d: (d.urgency, d.driver.name))
