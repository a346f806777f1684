"""Visa-free figures for a driver, from the border events in the audit trail."""

from __future__ import annotations

from datetime import datetime

from bot.domain.events import EventKind
from bot.domain.visa import BorderEvent, BorderEventKind, VisaStatus, visa_status
from storage.repositories import Repositories

_KINDS = {
    EventKind.BORDER_CROSSED: BorderEventKind.CROSSED,
    EventKind.BORDER_RETURNED: BorderEventKind.RETURNED,
}
# An admin's correction of a mistaken "crossed" press (see bot.services.corrections): its
# payload lists the border events it withdraws. They stay in the table, but do not count.
_CORRECTION = EventKind.CORRECT_CROSSING


async def border_events(repos: Repositories, driver_id: int) -> list[BorderEvent]:
    events = await repos.events.for_driver(driver_id, (*_KINDS, _CORRECTION))
    withdrawn = {
        int(event_id)
        for e in events
        if e.kind == _CORRECTION
        for event_id in e.payload.get("withdraws", ())
    }
    # Telegram's clock says when the driver pressed; ours is the fallback.
    return [
        BorderEvent(_KINDS[e.kind], e.telegram_at or e.recorded_at)
        for e in events
        if e.kind in _KINDS and e.id not in withdrawn
    ]


async def driver_visa_status(repos: Repositories, driver_id: int, now: datetime) -> VisaStatus:
    return visa_status(await border_events(repos, driver_id), now)


async def is_in_kazakhstan(repos: Repositories, driver_id: int) -> bool:
    events = await border_events(repos, driver_id)
    # The order the bot recorded them in decides: clocks can tie or disagree.
    return bool(events) and events[-1].kind is BorderEventKind.CROSSED
