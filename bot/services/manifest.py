"""Manifest import: reading CSV/XLSX files and checking every row before anything is stored.

Everything here is pure (no Telegram, no database, no clock): :func:`read_manifest` turns file
bytes into rows, :func:`validate` checks them against a :class:`ManifestContext` that the
repository loads in a few joins. Reading and checking 5,000 rows is CPU work, so callers on the
event loop run :func:`check_manifest` in a thread (:func:`check_manifest_async`).

Every problem is a :class:`Reason` (an English msgid with values) so the admin reads it in
their own language and the command line in English.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.clearance.codes import IMPORTED_MAX_LENGTH
from bot.clearance.token import looks_like_token
from bot.domain.models import Place
from bot.domain.vin import InvalidVin, VinProblem, check_digit, normalize_vin
from bot.domain.visa import (
    KAZAKHSTAN_TZ,
    STAY_LIMIT_DAYS,
    WINDOW_LIMIT_DAYS,
    BorderEvent,
    visa_status,
)
from bot.i18n import N_

# The template's columns, in this order, with these names (documented in the README).
COLUMNS: tuple[str, ...] = (
    "date",
    "driver_phone",
    "vin",
    "model",
    "color",
    "pickup",
    "destination",
    "pickup_time",
    "deliver_by",
    "clearance_code",
    "receiver_name",
    "receiver_phone",
    "notes",
)
REQUIRED: frozenset[str] = frozenset(
    {"date", "driver_phone", "vin", "pickup", "destination", "pickup_time", "deliver_by"}
)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
# Phones without a country code are read as Chinese numbers (the drivers' SIMs), then Kazakh.
PHONE_REGIONS = ("CN", "KZ")
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Reason:
    """One problem, as an English msgid with its values; translated where it is shown."""

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[..., str] | None = None) -> str:
        if translate is None:
            return self.msgid.format(**self.values)
        return translate(self.msgid, **self.values)


class ManifestRefused(Exception):
    """The whole file is unusable (too big, unreadable, wrong columns); nothing was checked."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        super().__init__(reason.text())


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    cells: tuple[str, ...]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int  # the line (CSV) or row (XLSX) number the admin sees in their editor
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ManifestTable:
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]


@dataclass(frozen=True, slots=True)
class DriverRecord:
    id: int
    name: str
    active: bool
    passport_expiry: date | None
    border_events: tuple[BorderEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class ManifestContext:
    """What the rows are checked against, loaded from the database before checking."""

    timezone: ZoneInfo
    today: date  # in the company's zone
    drivers_by_phone: Mapping[str, DriverRecord]  # E.164 phone → driver
    places: Sequence[Place]
    # Live bookings already stored: (driver id, day) and (VIN, day) → assignment id.
    booked_drivers: Mapping[tuple[int, date], int] = field(default_factory=dict)
    booked_vins: Mapping[tuple[str, date], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """A checked row, ready to store. Times are UTC."""

    line: int
    service_date: date
    driver_id: int
    driver_name: str
    vin: str
    model: str
    colour: str
    pickup_place_id: int
    destination_place_id: int
    pickup_at: datetime
    deliver_by: datetime
    clearance_code: str  # empty: Ferryman signs one
    receiver_name: str
    receiver_phone: str
    notes: str


@dataclass(frozen=True, slots=True)
class Validation:
    rows: tuple[ManifestRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def drivers(self) -> int:
        return len({row.driver_id for row in self.rows})

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({row.service_date for row in self.rows}))


# --- Messages (msgids). Column names stay as in the header: they are what the admin edits. ---

TOO_LARGE = N_("The file is too large: {size} MB, the limit is {limit} MB.")
TOO_MANY_ROWS = N_("The file has {rows} rows, the limit is {limit}. Split it into several files.")
EMPTY_FILE = N_("The file has no rows under the header.")
BAD_ENCODING = N_(
    "The file is neither UTF-8 nor GB18030 text. Save it as CSV UTF-8 or as an Excel workbook."
)
BAD_XLSX = N_("The file cannot be opened as an Excel workbook (.xlsx).")
BAD_HEADER = N_(
    "The first row must be exactly these columns, in this order: {expected}. Found: {found}. "
    "/template sends a file to start from."
)
WRONG_CELLS = N_("the row has {found} cells, the header has {expected}")
MISSING = N_("{column}: empty")
BAD_DATE = N_("{column}: “{value}” is not a date (YYYY-MM-DD)")
PAST_DATE = N_("{column}: {value} is in the past")
BAD_TIME = N_("{column}: “{value}” is not a time (HH:MM)")
BAD_DATETIME = N_("{column}: “{value}” is not a date and time (YYYY-MM-DD HH:MM)")
BAD_ZONE = N_("{column}: unknown time zone “{value}”")
DELIVER_BEFORE_PICKUP = N_("deliver_by ({deliver_by}) is not after the pickup ({pickup})")
VIN_LENGTH_MSG = N_("vin: {vin} has {length} characters, a VIN has 17")
VIN_LETTER = N_("vin: {vin} contains the letter {letter}, never used in a VIN")
VIN_CHARACTER = N_("vin: {vin} contains “{character}”, only letters and digits are allowed")
VIN_CHECK = N_(
    "vin: {vin} has check digit {found} (position 9), the other characters need {expected}"
)
BAD_PHONE = N_("{column}: “{value}” is not a phone number")
UNKNOWN_DRIVER = N_("driver_phone: no driver with phone {phone}")
INACTIVE_DRIVER = N_("driver_phone: {name} ({phone}) is not an active driver")
UNKNOWN_PLACE = N_("{column}: no place with code or name “{value}”")
NOT_A_YARD = N_("{column}: {place} is not a pickup yard")
NOT_A_LOT = N_("{column}: {place} is not a delivery lot")
DRIVER_TWICE_FILE = N_("{name} is booked twice on {day}: also on line {other}")
VIN_TWICE_FILE = N_("vin: {vin} is booked twice on {day}: also on line {other}")
DRIVER_TWICE_DB = N_("{name} already has trip #{assignment} on {day}")
VIN_TWICE_DB = N_("vin: {vin} already has trip #{assignment} on {day}")
CODE_TWICE_FILE = N_("clearance_code: the same code is on line {other}")
CODE_TOO_LONG = N_("clearance_code: {length} characters, at most {limit} fit a QR that scans")
CODE_WHITESPACE = N_("clearance_code: starts or ends with a space")
CODE_CONTROL = N_("clearance_code: contains invisible or control characters")
CODE_LOOKS_GENERATED = N_(
    "clearance_code: looks like a code Ferryman signs (FM<n>.); leave it empty instead"
)
PASSPORT_EXPIRED = N_("{name}'s passport expires on {expiry}, before or on the trip date {day}")
VISA_WINDOW = N_("{name} would have {days} visa-free days in 180 on {day}; the limit is {limit}")
VISA_STAY = N_("{name} would be in Kazakhstan {days} days in a row on {day}; the limit is {limit}")


# --- Reading ---------------------------------------------------------------------------------


def read_manifest(data: bytes, filename: str = "") -> ManifestTable:
    """The header and the non-blank rows of a CSV or XLSX file; refuses unusable files."""
    if len(data) > MAX_BYTES:
        raise ManifestRefused(
            Reason(TOO_LARGE, {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": 5})
        )
    lines: Iterable[tuple[int, list[str]]]
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        lines = _xlsx_lines(data)
    else:
        lines = _csv_lines(_decode(data))
    table: list[RawRow] = []
    header: tuple[str, ...] | None = None
    for line, cells in lines:
        trimmed = list(cells)
        while trimmed and not trimmed[-1].strip():
            trimmed.pop()  # Excel likes to add empty trailing columns
        if not trimmed:
            continue
        if header is None:
            header = tuple(c.strip().lower() for c in trimmed)
            continue
        table.append(RawRow(line, tuple(trimmed)))
    if len(table) > MAX_ROWS:
        raise ManifestRefused(Reason(TOO_MANY_ROWS, {"rows": len(table), "limit": MAX_ROWS}))
    if header != COLUMNS:
        raise ManifestRefused(
            Reason(
                BAD_HEADER,
                {"expected": ", ".join(COLUMNS), "found": ", ".join(header or ()) or "—"},
            )
        )
    if not table:
        raise ManifestRefused(Reason(EMPTY_FILE))
    return ManifestTable(header, tuple(table))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, which is what Chinese Excel writes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ManifestRefused(Reason(BAD_ENCODING)) from None


def _csv_lines(text: str) -> Iterable[tuple[int, list[str]]]:
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1  # a quoted cell may span lines: the next row starts here


def _xlsx_lines(data: bytes) -> list[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ManifestRefused(Reason(BAD_XLSX)) from None
    try:
        sheet = workbook.worksheets[0]
        lines: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            names = (*COLUMNS, *("",) * max(0, len(values) - len(COLUMNS)))
            lines.append((number, [_cell_text(c, v) for c, v in zip(names, values, strict=False)]))
        return lines
    finally:
        workbook.close()


def _cell_text(column: str, value: object) -> str:
    """Excel typed cells back to the text a CSV would carry."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if column == "date":
            return value.date().isoformat()
        if column == "pickup_time":
            return f"{value:%H:%M}"
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number comes back as 8613900000001.0
    return str(value)


# --- Parsing cells ---------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?$")
_ZONE_LIKE = re.compile(r"^(?:[A-Za-z_]+/[A-Za-z_/+-]+|UTC.*|GMT.*|Z|[+-]\d.*)$", re.IGNORECASE)
_ISO_T = re.compile(r"(\d)T(\d)")  # 2026-12-01T18:00
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def normalize_phone(raw: str) -> str | None:
    """E.164 (``+8613900000001``) for any way people write a number, None if it is not one.

    ``+86 139-0000-0001``, ``8613900000001`` and ``13900000001`` are the same phone; Telegram
    contacts give the number without ``+``, so digits that form a valid number with a country
    code are read that way before trying them as a Chinese or Kazakh national number.
    """
    text = raw.strip()
    if not text or not any(c.isdigit() for c in text):
        return None
    candidates: list[tuple[str, str | None]] = []
    if text.startswith("+"):
        candidates.append((text, None))
    else:
        candidates.append((text, PHONE_REGIONS[0]))
        candidates.append(("+" + "".join(c for c in text if c.isdigit()), None))
        candidates.extend((text, region) for region in PHONE_REGIONS[1:])
    for number, region in candidates:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def _zone(text: str) -> tzinfo | None:
    text = text.strip()
    if text.upper() in {"UTC", "GMT", "Z"}:
        return UTC
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            return None
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class _CellError(Exception):
    def __init__(self, reason: Reason) -> None:
        self.reason = reason


def _split_zone(column: str, value: str, default: ZoneInfo) -> tuple[str, tzinfo]:
    """``09:00 Asia/Almaty`` → (``09:00``, Almaty); no zone named: the company's."""
    parts = value.split()
    # Only what looks like a zone is read as one ("9 am" is a bad time, not a bad zone).
    if len(parts) >= 2 and _ZONE_LIKE.match(parts[-1]):
        zone = _zone(parts[-1])
        if zone is None:
            raise _CellError(Reason(BAD_ZONE, {"column": column, "value": parts[-1]}))
        return " ".join(parts[:-1]), zone
    # "09:00+05:00" written without a space
    for sign in "+-":
        head, found, tail = value.rpartition(sign)
        if found and _TIME.match(head.split()[-1] if head.split() else "") and tail[:1].isdigit():
            zone = _zone(sign + tail)
            if zone is not None:
                return head, zone
    return value, default


def _parse_date(column: str, value: str) -> date:
    match = _DATE.match(value.strip())
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise _CellError(Reason(BAD_DATE, {"column": column, "value": value}))


def _parse_clock(column: str, value: str) -> time:
    match = _TIME.match(value.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise _CellError(Reason(BAD_TIME, {"column": column, "value": value}))


def _parse_pickup(value: str, day: date, default: ZoneInfo) -> datetime:
    clock_text, zone = _split_zone("pickup_time", value, default)
    clock = _parse_clock("pickup_time", clock_text)
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _parse_deliver_by(value: str, default: ZoneInfo) -> datetime:
    text, zone = _split_zone("deliver_by", _ISO_T.sub(r"\1 \2", value), default)
    parts = text.split()
    if len(parts) == 2:
        try:
            day = _parse_date("deliver_by", parts[0])
            clock = _parse_clock("deliver_by", parts[1])
        except _CellError:
            pass
        else:
            return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    raise _CellError(Reason(BAD_DATETIME, {"column": "deliver_by", "value": value}))


def _vin_reason(raw: str, error: InvalidVin) -> Reason:
    vin = raw.strip().upper()
    if error.problem is VinProblem.LENGTH:
        return Reason(VIN_LENGTH_MSG, {"vin": vin, "length": len(vin)})
    if error.problem is VinProblem.FORBIDDEN_LETTER:
        letter = next(c for c in vin if c in "IOQ")
        return Reason(VIN_LETTER, {"vin": vin, "letter": letter})
    if error.problem is VinProblem.BAD_CHARACTER:
        bad = next(c for c in vin if not (c.isascii() and c.isalnum()))
        return Reason(VIN_CHARACTER, {"vin": vin, "character": bad})
    return Reason(VIN_CHECK, {"vin": vin, "found": vin[8], "expected": check_digit(vin)})


def _code_reason(code: str) -> Reason | None:
    """The rules of :func:`bot.clearance.codes.check_imported`, as reasons an admin can read."""
    if len(code) > IMPORTED_MAX_LENGTH:
        return Reason(CODE_TOO_LONG, {"length": len(code), "limit": IMPORTED_MAX_LENGTH})
    if code != code.strip():
        return Reason(CODE_WHITESPACE)
    if any(unicodedata.category(char).startswith("C") for char in code):
        return Reason(CODE_CONTROL)
    if looks_like_token(code):
        return Reason(CODE_LOOKS_GENERATED)
    return None


# --- Checking --------------------------------------------------------------------------------


class _Places:
    def __init__(self, places: Sequence[Place]) -> None:
        self.by_key: dict[str, Place] = {}
        for place in places:
            self.by_key[place.name.casefold()] = place
        for place in places:  # a code wins over another place's identical name
            self.by_key[place.code.casefold()] = place

    def find(self, column: str, value: str, kind: str) -> Place:
        place = self.by_key.get(value.strip().casefold())
        if place is None:
            raise _CellError(Reason(UNKNOWN_PLACE, {"column": column, "value": value}))
        if place.kind != kind:
            raise _CellError(
                Reason(
                    NOT_A_YARD if kind == "yard" else NOT_A_LOT,
                    {"column": column, "place": place.name},
                )
            )
        return place


def _visa_reason(driver: DriverRecord, day: date) -> Reason | None:
    """Would a trip on ``day`` break the 30-day stay or the 90-in-180 rule?"""
    if not driver.border_events:
        return None
    noon = datetime.combine(day, time(12, 0), tzinfo=KAZAKHSTAN_TZ)
    status = visa_status(driver.border_events, noon)
    # The trip day counts whole; if the driver is already in Kazakhstan it is counted already.
    window = status.window_days + (0 if status.in_kazakhstan else 1)
    if status.in_kazakhstan and status.stay_days > STAY_LIMIT_DAYS:
        return Reason(
            VISA_STAY,
            {"name": driver.name, "days": status.stay_days, "day": day, "limit": STAY_LIMIT_DAYS},
        )
    if window > WINDOW_LIMIT_DAYS:
        return Reason(
            VISA_WINDOW,
            {"name": driver.name, "days": window, "day": day, "limit": WINDOW_LIMIT_DAYS},
        )
    return None


def validate(table: ManifestTable, ctx: ManifestContext) -> Validation:
    """Every row checked; all reasons of every bad row collected, nothing stored."""
    places = _Places(ctx.places)
    valid: list[ManifestRow] = []
    problems: list[RowProblem] = []
    drivers_seen: dict[tuple[int, date], int] = {}
    vins_seen: dict[tuple[str, date], int] = {}
    codes_seen: dict[str, int] = {}
    for raw in table.rows:
        reasons: list[Reason] = []
        row = _check_row(raw, ctx, places, reasons)
        if row is not None:
            _check_bookings(row, ctx, drivers_seen, vins_seen, codes_seen, reasons)
        if reasons:
            problems.append(RowProblem(raw.line, raw.cells, tuple(reasons)))
        elif row is not None:
            valid.append(row)
    return Validation(tuple(valid), tuple(problems))


def _check_row(
    raw: RawRow, ctx: ManifestContext, places: _Places, reasons: list[Reason]
) -> ManifestRow | None:
    """Parse and check one row's cells; every failure is appended to ``reasons``."""
    if len(raw.cells) > len(COLUMNS):
        reasons.append(Reason(WRONG_CELLS, {"found": len(raw.cells), "expected": len(COLUMNS)}))
        return None
    cells = dict(zip(COLUMNS, (*raw.cells, *("",) * (len(COLUMNS) - len(raw.cells))), strict=True))
    values = {k: (v if k == "clearance_code" else v.strip()) for k, v in cells.items()}
    for column in COLUMNS:
        if column in REQUIRED and not values[column]:
            reasons.append(Reason(MISSING, {"column": column}))

    def attempt(parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except _CellError as error:
            reasons.append(error.reason)
            return None

    day: date | None = None
    if values["date"]:
        day = attempt(lambda: _parse_date("date", values["date"]))
        if day is not None and day < ctx.today:
            reasons.append(Reason(PAST_DATE, {"column": "date", "value": day.isoformat()}))
    driver: DriverRecord | None = None
    if values["driver_phone"]:
        phone = normalize_phone(values["driver_phone"])
        if phone is None:
            reasons.append(
                Reason(BAD_PHONE, {"column": "driver_phone", "value": values["driver_phone"]})
            )
        else:
            driver = ctx.drivers_by_phone.get(phone)
            if driver is None:
                reasons.append(Reason(UNKNOWN_DRIVER, {"phone": phone}))
            elif not driver.active:
                reasons.append(Reason(INACTIVE_DRIVER, {"name": driver.name, "phone": phone}))
                driver = None
    vin: str | None = None
    if values["vin"]:
        try:
            vin = normalize_vin(values["vin"])
        except InvalidVin as error:
            reasons.append(_vin_reason(values["vin"], error))
    pickup = destination = None
    if values["pickup"]:
        pickup = attempt(lambda: places.find("pickup", values["pickup"], "yard"))
    if values["destination"]:
        destination = attempt(lambda: places.find("destination", values["destination"], "lot"))
    pickup_at = deliver_by = None
    if values["pickup_time"] and day is not None:
        pickup_at = attempt(lambda: _parse_pickup(values["pickup_time"], day, ctx.timezone))
    if values["deliver_by"]:
        deliver_by = attempt(lambda: _parse_deliver_by(values["deliver_by"], ctx.timezone))
    if pickup_at is not None and deliver_by is not None and deliver_by <= pickup_at:
        reasons.append(
            Reason(
                DELIVER_BEFORE_PICKUP,
                {"deliver_by": values["deliver_by"], "pickup": f"{day} {values['pickup_time']}"},
            )
        )
    code = values["clearance_code"]
    if code:
        code_reason = _code_reason(code)
        if code_reason is not None:
            reasons.append(code_reason)
    receiver_phone = values["receiver_phone"]
    if receiver_phone:
        normalized = normalize_phone(receiver_phone)
        if normalized is None:
            reasons.append(
                Reason(BAD_PHONE, {"column": "receiver_phone", "value": receiver_phone})
            )
        else:
            receiver_phone = normalized
    if driver is not None and day is not None:
        if driver.passport_expiry is not None and driver.passport_expiry <= day:
            reasons.append(
                Reason(
                    PASSPORT_EXPIRED,
                    {"name": driver.name, "expiry": driver.passport_expiry, "day": day},
                )
            )
        visa = _visa_reason(driver, day)
        if visa is not None:
            reasons.append(visa)
    if (
        reasons
        or day is None
        or driver is None
        or vin is None
        or pickup is None
        or destination is None
        or pickup_at is None
        or deliver_by is None
    ):
        return None
    return ManifestRow(
        line=raw.line,
        service_date=day,
        driver_id=driver.id,
        driver_name=driver.name,
        vin=vin,
        model=values["model"],
        colour=values["color"],
        pickup_place_id=pickup.id,
        destination_place_id=destination.id,
        pickup_at=pickup_at,
        deliver_by=deliver_by,
        clearance_code=code,
        receiver_name=values["receiver_name"],
        receiver_phone=receiver_phone,
        notes=values["notes"],
    )


def _check_bookings(
    row: ManifestRow,
    ctx: ManifestContext,
    drivers_seen: dict[tuple[int, date], int],
    vins_seen: dict[tuple[str, date], int],
    codes_seen: dict[str, int],
    reasons: list[Reason],
) -> None:
    day = row.service_date
    driver_key, vin_key = (row.driver_id, day), (row.vin, day)
    if driver_key in drivers_seen:
        reasons.append(
            Reason(
                DRIVER_TWICE_FILE,
                {"name": row.driver_name, "day": day, "other": drivers_seen[driver_key]},
            )
        )
    elif driver_key in ctx.booked_drivers:
        reasons.append(
            Reason(
                DRIVER_TWICE_DB,
                {
                    "name": row.driver_name,
                    "day": day,
                    "assignment": ctx.booked_drivers[driver_key],
                },
            )
        )
    if vin_key in vins_seen:
        reasons.append(
            Reason(VIN_TWICE_FILE, {"vin": row.vin, "day": day, "other": vins_seen[vin_key]})
        )
    elif vin_key in ctx.booked_vins:
        reasons.append(
            Reason(
                VIN_TWICE_DB, {"vin": row.vin, "day": day, "assignment": ctx.booked_vins[vin_key]}
            )
        )
    if row.clearance_code and row.clearance_code in codes_seen:
        reasons.append(Reason(CODE_TWICE_FILE, {"other": codes_seen[row.clearance_code]}))
    drivers_seen.setdefault(driver_key, row.line)
    vins_seen.setdefault(vin_key, row.line)
    if row.clearance_code:
        codes_seen.setdefault(row.clearance_code, row.line)


def table_days(table: ManifestTable) -> list[date]:
    """The service dates the rows name (the readable ones), to load only those days' trips."""
    days: set[date] = set()
    for row in table.rows:
        try:
            days.add(_parse_date("date", row.cells[0]))
        except _CellError:
            continue
    return sorted(days)


def check_manifest(data: bytes, filename: str, ctx: ManifestContext) -> Validation:
    return validate(read_manifest(data, filename), ctx)


async def check_manifest_async(data: bytes, filename: str, ctx: ManifestContext) -> Validation:
    """The same, off the event loop: 5,000 rows of parsing must not stall other chats."""
    return await asyncio.to_thread(check_manifest, data, filename, ctx)


# --- Reporting -------------------------------------------------------------------------------

# Above this many failing rows the message lists the first ones and the CSV carries them all.
MESSAGE_PROBLEMS = 20
LINE = N_("Line {line}: {reasons}")


def problem_lines(
    problems: Sequence[RowProblem], translate: Callable[..., str], limit: int | None = None
) -> list[str]:
    shown = problems if limit is None else problems[:limit]
    return [
        translate(LINE, line=p.line, reasons="; ".join(r.text(translate) for r in p.reasons))
        for p in shown
    ]


def problems_csv(problems: Sequence[RowProblem], translate: Callable[..., str]) -> bytes:
    """The failing rows as the admin sent them, with the line number and a reason column."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("line", *COLUMNS, "reason"))
    for problem in problems:
        cells = (*problem.cells, *("",) * max(0, len(COLUMNS) - len(problem.cells)))
        reasons = "; ".join(r.text(translate) for r in problem.reasons)
        writer.writerow((problem.line, *cells[: len(COLUMNS)], reasons))
    # BOM: Excel opens UTF-8 CSVs with Chinese text correctly only with it.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def template_csv() -> bytes:
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode("utf-8")


def template_xlsx(example: Sequence[str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "manifest"
    sheet.append(list(COLUMNS))
    if example:
        sheet.append(list(example))
    for index, column in enumerate(COLUMNS):
        # Text cells, so Excel keeps phone numbers, leading zeros and dates as typed.
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = max(12, len(column) + 4)
        sheet.column_dimensions[letter].number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "DriverRecord",
    "ManifestContext",
    "ManifestRefused",
    "ManifestRow",
    "ManifestTable",
    "Reason",
    "RowProblem",
    "Validation",
    "check_manifest",
    "check_manifest_async",
    "normalize_phone",
    "problem_lines",
    "problems_csv",
    "read_manifest",
    "table_days",
    "template_csv",
    "template_xlsx",
    "validate",
]
