"""Manifest import against the database: load what rows are checked against, then store them.

The checks themselves are pure (``bot.services.manifest``); this module loads their context in
a few joins and stores a checked manifest in one transaction, re-checking bookings inside it so
a trip booked between the preview and the "Import" press is not booked twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clearance import ClearanceService
from bot.domain.events import EventKind
from bot.domain.models import ClearanceKind, DriverStatus
from bot.domain.visa import BorderEvent, BorderEventKind
from bot.services.manifest import (
    DRIVER_TWICE_DB,
    VIN_TWICE_DB,
    DriverRecord,
    ManifestContext,
    ManifestRow,
    Reason,
    RowProblem,
    Validation,
    normalize_phone,
    read_manifest,
    table_days,
    validate,
)
from storage.repositories import Repositories
from storage.repositories.manifests import TripInsert

# The kinds the trip service writes when a driver crosses and comes back.
BORDER_KINDS = {
    EventKind.BORDER_CROSSED: BorderEventKind.CROSSED,
    EventKind.BORDER_RETURNED: BorderEventKind.RETURNED,
}


class BookedMeanwhile(Exception):
    """Rows that were fine at the preview are booked now; nothing was stored."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(problems)} rows were booked meanwhile")


@dataclass(frozen=True, slots=True)
class Imported:
    assignment_ids: tuple[int, ...]
    drivers: int
    days: tuple[date, ...]


async def load_context(
    repos: Repositories, timezone: ZoneInfo, now: datetime, days: Sequence[date] = ()
) -> ManifestContext:
    """Drivers by phone, places, border events and the days' bookings: five queries in all."""
    drivers = await repos.manifests.drivers()
    # The stay under way and the 180-day window before the latest day checked; a stay is at
    # most 30 days, so a year back is more than enough.
    events = await repos.manifests.border_events(
        [d.id for d in drivers],
        tuple(BORDER_KINDS),
        since=now - timedelta(days=400),
        correction_kind=EventKind.CORRECT_CROSSING,
    )
    by_phone: dict[str, DriverRecord] = {}
    for driver in drivers:
        phone = normalize_phone(driver.phone)
        if phone is None:
            continue
        record = DriverRecord(
            id=driver.id,
            name=driver.name,
            active=driver.status == DriverStatus.ACTIVE.value,
            passport_expiry=driver.passport_expiry,
            border_events=tuple(
                BorderEvent(BORDER_KINDS[EventKind(k)], at) for k, at in events.get(driver.id, [])
            ),
        )
        # An active driver wins over a former one who had the same number.
        if phone not in by_phone or record.active:
            by_phone[phone] = record
    bookings = await repos.manifests.bookings(days)
    return ManifestContext(
        timezone=timezone,
        today=now.astimezone(timezone).date(),
        drivers_by_phone=by_phone,
        places=await repos.places.all(),
        booked_drivers=bookings.drivers,
        booked_vins=bookings.vins,
    )


async def check_file(
    repos: Repositories,
    data: bytes,
    filename: str,
    timezone: ZoneInfo,
    now: datetime,
    on_read: Callable[[int], Awaitable[None]] | None = None,
) -> Validation:
    """Read and check a manifest file; raises ManifestRefused for an unusable file.

    Reading and checking run in a thread: 5,000 rows must not stall other chats.
    ``on_read`` hears the number of rows once the file is read (a progress message).
    """
    table = await asyncio.to_thread(read_manifest, data, filename)
    if on_read is not None:
        await on_read(len(table.rows))
    context = await load_context(repos, timezone, now, table_days(table))
    return await asyncio.to_thread(validate, table, context)


async def store(
    repos: Repositories,
    clearance: ClearanceService,
    rows: Sequence[ManifestRow],
    *,
    now: datetime,
    actor: int | None,
    source: str,
) -> Imported:
    """All rows in one transaction, each with its customs code or a freshly signed one."""
    async with repos.db.transaction():
        bookings = await repos.manifests.bookings(sorted({r.service_date for r in rows}))
        clashes = [
            RowProblem(row.line, (), tuple(reasons))
            for row in rows
            if (reasons := _clashes(row, bookings.drivers, bookings.vins))
        ]
        if clashes:
            raise BookedMeanwhile(clashes)
        first = await repos.manifests.next_assignment_id()
        trips = [
            TripInsert(
                id=first + index,
                service_date=row.service_date,
                driver_id=row.driver_id,
                vin=row.vin,
                model=row.model,
                colour=row.colour,
                pickup_place_id=row.pickup_place_id,
                destination_place_id=row.destination_place_id,
                pickup_at=row.pickup_at,
                deliver_by=row.deliver_by,
                receiver_name=row.receiver_name,
                receiver_phone=row.receiver_phone,
                clearance_code=row.clearance_code
                or clearance.generate(first + index, row.vin, row.service_date),
                clearance_kind=(
                    ClearanceKind.IMPORTED if row.clearance_code else ClearanceKind.GENERATED
                ).value,
                notes=row.notes,
            )
            for index, row in enumerate(rows)
        ]
        await repos.manifests.insert_trips(trips, now=now, actor=actor, source=source)
        days = tuple(sorted({r.service_date for r in rows}))
        await repos.events.append(
            EventKind.MANIFEST_IMPORTED,
            recorded_at=now,
            actor_telegram_id=actor,
            payload={
                "source": source,
                "trips": len(trips),
                "drivers": len({r.driver_id for r in rows}),
                "days": [d.isoformat() for d in days],
                "first_assignment": first,
            },
        )
    return Imported(tuple(t.id for t in trips), len({r.driver_id for r in rows}), days)


def _clashes(
    row: ManifestRow,
    drivers: dict[tuple[int, date], int],
    vins: dict[tuple[str, date], int],
) -> list[Reason]:
    reasons: list[Reason] = []
    day = row.service_date
    if (row.driver_id, day) in drivers:
        reasons.append(
            Reason(
                DRIVER_TWICE_DB,
                {"name": row.driver_name, "day": day, "assignment": drivers[(row.driver_id, day)]},
            )
        )
    if (row.vin, day) in vins:
        reasons.append(
            Reason(VIN_TWICE_DB, {"vin": row.vin, "day": day, "assignment": vins[(row.vin, day)]})
        )
    return reasons
