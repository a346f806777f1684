"""Visa-free figures for a driver, from the border events in the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.events import EventKind
from bot.domain.visa import WINDOW_DAYS, BorderEvent, BorderEventKind, VisaStatus, visa_status
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


async def is_in_kazakhstan(repos: Repositories, driver_id: int) -> bool:
    # The order the bot recorded them in decides: clocks can tie or disagree.
    last = await repos.events.latest_for_driver(
        driver_id, tuple(_KINDS), excluding=await _withdrawn(repos, driver_id)
    )
    return last is not None and _KINDS[last.kind] is BorderEventKind.CROSSED
