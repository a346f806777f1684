"""Building manifests for tests and benchmarks: valid VINs, phones and rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from bot.domain.vin import check_digit
from bot.services.manifest import COLUMNS


def make_vin(number: int, wmi: str = "LGX") -> str:
    """A valid VIN (check digit computed) with ``number`` as its serial."""
    body = f"{wmi}CE4CB0R{number % 10_000_000:07d}"
    return body[:8] + check_digit(body) + body[9:]


def make_phone(number: int) -> str:
    return f"+86139{number % 100_000_000:08d}"


def row(
    day: date,
    phone: str,
    vin: str,
    *,
    pickup: str = "horgos-yard",
    destination: str = "zharkent-lot",
    pickup_time: str = "09:00",
    deliver_by: str | None = None,
    code: str = "",
    **extra: str,
) -> list[str]:
    values = {
        "date": day.isoformat(),
        "driver_phone": phone,
        "vin": vin,
        "model": "BYD Song Plus",
        "color": "white",
        "pickup": pickup,
        "destination": destination,
        "pickup_time": pickup_time,
        "deliver_by": deliver_by or f"{day.isoformat()} 18:00",
        "clearance_code": code,
        "receiver_name": "Aibek",
        "receiver_phone": "+7 701 000 0000",
        "notes": "",
        **extra,
    }
    return [values[c] for c in COLUMNS]


def to_csv(rows: Sequence[Sequence[str]], header: Sequence[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def to_xlsx(rows: Sequence[Sequence[object]], header: Sequence[str] = COLUMNS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
