"""Visa-free figures for a driver, from the border events in the audit trail."""

from __future__ import annotations

from datetime import datetime

from bot.domain.visa import BorderEvent, BorderEventKind, VisaStatus, visa_status
from storage.repositories import Repositories

_KINDS = {"border_crossed": BorderEventKind.CROSSED, "border_returned": BorderEventKind.RETURNED}


async def border_events(repos: Repositories, driver_id: int) -> list[BorderEvent]:
    events = await repos.events.for_driver(driver_id, tuple(_KINDS))
    # Telegram's clock says when the driver pressed; ours is the fallback.
    return [BorderEvent(_KINDS[e.kind], e.telegram_at or e.recorded_at) for e in events]


async def driver_visa_status(repos: Repositories, driver_id: int, now: datetime) -> VisaStatus:
    return visa_status(await border_events(repos, driver_id), now)


async def is_in_kazakhstan(repos: Repositories, driver_id: int) -> bool:
    events = await border_events(repos, driver_id)
    # The order the bot recorded them in decides: clocks can tie or disagree.
    return bool(events) and events[-1].kind is BorderEventKind.CROSSED
