"""The dispatch group's digest: what happened since the last one, read from the events table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.events import EventKind
from bot.domain.models import Driver, Event, Place, Trip
from bot.i18n import N_, Translator
from bot.telegram_limits import MESSAGE_LIMIT, split_text
from bot.timefmt import format_number, format_time
from storage.repositories import Repositories

GROUP_DIGEST = "group"
MAX_LISTED = 30  # per list; the rest is summed up so a digest stays readable on a phone

COUNTED = (
    (EventKind.SEND, N_("Dispatched")),
    (EventKind.ACCEPT, N_("Accepted")),
    (EventKind.PICK_UP, N_("Picked up")),
    (EventKind.CROSS, N_("Crossed")),
    (EventKind.DELIVER, N_("Delivered")),
    (EventKind.DECLINE, N_("Declined")),
    (EventKind.PROBLEM, N_("Problems")),
)
HEADER = N_("📋 Digest {start} – {end}")
FLAGGED = N_("⚠️ Delivered {distance} m from {place}: #{number} {vin}, {driver}")
DECLINED = N_("❌ Declined: #{number} {vin}, {driver}")
MORE = N_("… and {count} more")
URGENT = N_("🚨 Urgent")
LATE = N_("🚨 Late: #{number} {vin}, {driver}, due at {place}")
LATE_STEP = "deliver.admins"  # the ladder's last rung before the group
COUNT = N_("{label}: {count}")  # a catalog string so Chinese gets its full-width colon


@dataclass
class Digest:
    first_at: datetime
    last_at: datetime
    last_event_id: int
    counts: Counter[str] = field(default_factory=Counter)
    flagged: list[dict[str, object]] = field(default_factory=list)
    declined: list[dict[str, object]] = field(default_factory=list)
    late: list[dict[str, object]] = field(default_factory=list)

    @property
    def newsworthy(self) -> bool:
        return sum(self.counts.values()) > 0 or bool(self.late)


def _details(trip: Trip | None, event: Event, driver: Driver | None) -> dict[str, object]:
    return {
        "number": event.assignment_id or "?",
        "vin": trip.vehicle.vin if trip else "?",
        "driver": driver.name if driver else "?",
        "place": trip.destination if trip else None,
        "distance": event.payload.get("distance_m", "?"),
    }


async def collect(repos: Repositories, name: str = GROUP_DIGEST) -> Digest | None:
    """What the digest ``name`` has not reported yet; None when nothing happened."""
    events = await repos.digests.pending(name)
    if not events:
        return None
    digest = Digest(events[0].recorded_at, events[-1].recorded_at, events[-1].id)
    counted = {kind for kind, _ in COUNTED}
    listed: list[tuple[list[dict[str, object]], Event]] = []
    for event in events:
        if event.kind in counted:
            digest.counts[event.kind] += 1
        if event.kind == EventKind.DELIVER and event.payload.get("flagged"):
            listed.append((digest.flagged, event))
        elif event.kind == EventKind.DECLINE:
            listed.append((digest.declined, event))
        elif event.kind == EventKind.REMINDER and event.payload.get("step") == LATE_STEP:
            listed.append((digest.late, event))
    # The trips of every listed event in one read, not one per line of the digest.
    trips = await repos.trips.many([e.assignment_id for _, e in listed if e.assignment_id])
    # A line names the driver the event was about: who declined a trip since reassigned is
    # not its new driver.
    drivers = await repos.drivers.by_ids(sorted({e.driver_id for _, e in listed if e.driver_id}))
    for items, event in listed:
        trip = None if event.assignment_id is None else trips.get(event.assignment_id)
        driver = drivers.get(event.driver_id) if event.driver_id else None
        items.append(_details(trip, event, driver or (trip.driver if trip else None)))
    return digest


def render(digest: Digest, tr: Translator, language: str, zone: ZoneInfo) -> list[str]:
    """The digest as messages of at most 4,096 characters each."""

    def t(message: str, **values: object) -> str:
        return tr.get(language, message, **values)

    # Late deliveries the admins were told about lead the digest, above the counts.
    urgent = [t(URGENT)] if digest.late else []
    urgent += [t(LATE, **_shown(item, language)) for item in digest.late[:MAX_LISTED]]
    if len(digest.late) > MAX_LISTED:
        urgent.append(t(MORE, count=len(digest.late) - MAX_LISTED))
    lines = [
        t(
            HEADER,
            start=format_time(digest.first_at, zone, language),
            end=format_time(digest.last_at, zone, language),
        ),
        *urgent,
        " · ".join(
            t(COUNT, label=t(label), count=digest.counts[kind])
            for kind, label in COUNTED
            if digest.counts[kind]
        ),
    ]
    for template, items in ((FLAGGED, digest.flagged), (DECLINED, digest.declined)):
        lines += [t(template, **_shown(item, language)) for item in items[:MAX_LISTED]]
        if len(items) > MAX_LISTED:
            lines.append(t(MORE, count=len(items) - MAX_LISTED))
    return _chunks(lines)


def _shown(item: dict[str, object], language: str) -> dict[str, object]:
    """Place names in the group's language and distances with its digit grouping."""
    place, distance = item.get("place"), item.get("distance")
    return {
        **item,
        "place": place.name_in(language) if isinstance(place, Place) else "?",
        "distance": format_number(distance, language)
        if isinstance(distance, int | float)
        else "?",
    }


def _chunks(lines: list[str]) -> list[str]:
    # Telegram counts UTF-16 units: a line full of emoji is twice as long as len() says.
    return split_text("\n".join(lines), MESSAGE_LIMIT)
