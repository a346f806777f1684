"""Exports of the trips of some days: CSV and XLSX with every event time (zone named), the
driver, the car, proof photo hashes, delivery locations and distances.

An export of months reads many rows, so it opens its own read-only connection: handlers and
the scheduler never wait behind it. Files are written in a thread.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.timefmt import format_time
from storage.codec import dt_from_db

# Event kinds in the order a trip goes through them; any other kind follows, alphabetically.
EVENT_ORDER = (
    "created",
    "dispatched",
    "sent",
    "accept",
    "decline",
    "reassigned",
    "pick_up",
    "cross",
    "border_crossed",
    "delivery_started",
    "proof_photo",
    "proof_location",
    "deliver",
    "received",
    "problem",
    "cancel",
    "border_returned",
)
BASE_COLUMNS = (
    "assignment",
    "date",
    "status",
    "driver",
    "driver_phone",
    "vin",
    "model",
    "color",
    "pickup",
    "destination",
    "pickup_time",
    "deliver_by",
    "clearance_kind",
    "receiver_name",
    "receiver_phone",
)
PROOF_COLUMNS = (
    "photo_sha256",
    "delivery_latitude",
    "delivery_longitude",
    "delivery_accuracy_m",
    "distance_to_lot_m",
    "flagged",
)

_TRIPS = """
SELECT a.id, a.service_date, a.status, a.pickup_at, a.deliver_by, a.clearance_kind,
       a.receiver_name, a.receiver_phone, v.vin, v.model, v.colour,
       d.name AS driver, d.phone AS driver_phone, p.code AS pickup, q.code AS destination
FROM assignments a
JOIN vehicles v ON v.id = a.vehicle_id
JOIN places p ON p.id = a.pickup_place_id
JOIN places q ON q.id = a.destination_place_id
LEFT JOIN drivers d ON d.id = a.driver_id
WHERE a.service_date BETWEEN ? AND ?
ORDER BY a.service_date, a.id
"""
# The first time of each kind per trip: Telegram's clock where known, else when recorded.
_EVENTS = """
SELECT e.assignment_id, e.kind, MIN(COALESCE(e.telegram_at, e.recorded_at))
FROM events e JOIN assignments a ON a.id = e.assignment_id
WHERE a.service_date BETWEEN ? AND ?
GROUP BY e.assignment_id, e.kind
"""
_PROOFS = """
SELECT r.assignment_id, r.kind, r.sha256, r.latitude, r.longitude, r.horizontal_accuracy,
       r.distance_m, r.flagged
FROM proofs r JOIN assignments a ON a.id = r.assignment_id
WHERE a.service_date BETWEEN ? AND ?
ORDER BY r.id
"""


@dataclass(frozen=True, slots=True)
class ExportTable:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


async def open_read_only(database: Path | str) -> aiosqlite.Connection:
    """A connection of its own that cannot write: a long read never blocks the bot's writes."""
    uri = await asyncio.to_thread(lambda: Path(database).resolve().as_uri() + "?mode=ro")
    conn = await aiosqlite.connect(uri, uri=True)
    await conn.execute("PRAGMA busy_timeout=5000")
    return conn


async def read_export(
    database: Path | str, start: date, end: date, timezone: ZoneInfo
) -> ExportTable:
    conn = await open_read_only(database)
    try:
        params = (start.isoformat(), end.isoformat())
        # One read transaction: the three reads see the same moment of the database.
        await conn.execute("BEGIN")
        async with conn.execute(_TRIPS, params) as cursor:
            trips = list(await cursor.fetchall())
        async with conn.execute(_EVENTS, params) as cursor:
            events = list(await cursor.fetchall())
        async with conn.execute(_PROOFS, params) as cursor:
            proofs = list(await cursor.fetchall())
        await conn.execute("COMMIT")
    finally:
        await conn.close()
    return await asyncio.to_thread(_table, trips, events, proofs, timezone)


def _table(
    trips: Sequence[Any], events: Sequence[Any], proofs: Sequence[Any], timezone: ZoneInfo
) -> ExportTable:
    times: dict[int, dict[str, str]] = {}
    kinds: set[str] = set()
    for assignment_id, kind, at in events:
        kinds.add(kind)
        times.setdefault(assignment_id, {})[kind] = format_time(dt_from_db(at), timezone)
    ordered = [k for k in EVENT_ORDER if k in kinds] + sorted(kinds - set(EVENT_ORDER))
    photos: dict[int, list[str]] = {}
    location: dict[int, tuple[Any, ...]] = {}
    for assignment_id, kind, sha256, lat, lon, accuracy, distance, flagged in proofs:
        if kind == "photo" and sha256:
            photos.setdefault(assignment_id, []).append(sha256)
        elif kind == "location":
            # The last location recorded is the one the delivery was judged on.
            location[assignment_id] = (
                lat,
                lon,
                None if accuracy is None else round(accuracy),
                None if distance is None else round(distance),
                "yes" if flagged else "no",
            )
    columns = (*BASE_COLUMNS, *(f"{k}_at" for k in ordered), *PROOF_COLUMNS)
    rows: list[tuple[Any, ...]] = []
    for trip in trips:
        (aid, day, status, pickup_at, deliver_by, kind, rname, rphone) = trip[:8]
        (vin, model, colour, driver, phone, pickup, destination) = trip[8:]
        own = times.get(aid, {})
        rows.append(
            (
                aid,
                day,
                status,
                driver or "",
                phone or "",
                vin,
                model,
                colour,
                pickup,
                destination,
                format_time(dt_from_db(pickup_at), timezone),
                format_time(dt_from_db(deliver_by), timezone),
                kind,
                rname,
                rphone,
                *(own.get(k, "") for k in ordered),
                " ".join(photos.get(aid, [])),
                *location.get(aid, ("", "", "", "", "")),
            )
        )
    return ExportTable(columns, tuple(rows))


def to_csv(table: ExportTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    # With a BOM so Excel shows Chinese names instead of mojibake.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(table: ExportTable) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("trips")
    sheet.append(list(table.columns))
    for row in table.rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def export_bytes(
    database: Path | str, start: date, end: date, timezone: ZoneInfo
) -> tuple[bytes, bytes, int]:
    """(CSV, XLSX, number of trips)."""
    table = await read_export(database, start, end, timezone)
    csv_data, xlsx_data = await asyncio.gather(
        asyncio.to_thread(to_csv, table), asyncio.to_thread(to_xlsx, table)
    )
    return csv_data, xlsx_data, len(table.rows)


async def export_files(
    database: Path | str, start: date, end: date, timezone: ZoneInfo, out: Path
) -> list[tuple[Path, int]]:
    """``out`` with .csv and .xlsx (whatever suffix it had); returns the paths and row count."""
    csv_data, xlsx_data, count = await export_bytes(database, start, end, timezone)
    base = out.with_suffix("") if out.suffix.lower() in {".csv", ".xlsx"} else out
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, data in ((".csv", csv_data), (".xlsx", xlsx_data)):
        path = base.with_name(base.name + suffix)
        await asyncio.to_thread(path.write_bytes, data)
        written.append((path, count))
    return written


def export_name(start: date, end: date) -> str:
    return f"ferryman-{start.isoformat()}" + ("" if end == start else f"-to-{end.isoformat()}")
