"""The board of a day: counts by status, late trips, flagged deliveries, undispatched trips.

One join reads the day (the ``assignments_board`` index finds it among a million older trips);
the picture is drawn with Pillow in a thread. Text and image get their words from a translate
function, so each admin reads the board in their own language.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from PIL import ImageFont

from bot.clearance.fonts import SANS, SANS_BOLD, find_cjk_font, find_font
from bot.domain.lifecycle import Status
from bot.i18n import N_
from bot.timefmt import format_clock, format_time, zone_label
from storage.codec import date_to_db, dt_from_db
from storage.repositories import Repositories

Translate = Callable[..., str]


class Undispatched(StrEnum):
    """Why a planned trip has not reached its driver."""

    NO_DRIVER = "no_driver"
    NOT_REGISTERED = "not_registered"  # the driver has no Telegram account linked yet
    SUSPENDED = "suspended"
    NOT_YET = "not_yet"  # waiting for the evening or morning dispatch


UNDISPATCHED_LABELS = {
    Undispatched.NO_DRIVER: N_("no driver"),
    Undispatched.NOT_REGISTERED: N_("driver not registered in the bot"),
    Undispatched.SUSPENDED: N_("driver suspended"),
    Undispatched.NOT_YET: N_("waiting for the dispatch"),
}
BOARD_STATUS_LABELS = {
    Status.PLANNED: N_("planned"),
    Status.SENT: N_("sent"),
    Status.ACCEPTED: N_("accepted"),
    Status.PICKED_UP: N_("picked up"),
    Status.CROSSED: N_("crossed"),
    Status.RETURNING: N_("returning to the yard"),
    Status.DELIVERED: N_("delivered"),
    Status.DECLINED: N_("declined"),
    Status.CANCELLED: N_("cancelled"),
}
# Where a trip stands before it can be late for pickup / delivery.
_BEFORE_PICKUP = frozenset({Status.PLANNED, Status.SENT, Status.ACCEPTED})
_OPEN = frozenset({Status.PLANNED, Status.SENT, Status.ACCEPTED, Status.PICKED_UP, Status.CROSSED})

# The day's trips with their car, driver, why a planned one is not dispatched and whether a
# delivery was flagged, in one read. The cost is the 4,000 rows crossing into Python, not the
# search (under 1 ms): so SQL answers the undispatched reason (one value instead of the driver's
# id, account and status) and flagged (the ``proofs_flagged`` partial index holds only flagged
# proofs, a probe per trip finds nothing quickly; named, because with statistics gathered
# before it existed SQLite preferred proofs_assignment and read every proof of the day, 5 ms).
# Places (a handful) are read apart: joining them twice costs two strings per trip where a
# dict lookup costs nothing.
_DAY = f"""
SELECT a.id, a.status, a.pickup_at, a.deliver_by, a.pickup_place_id, a.destination_place_id,
       d.name, v.vin, v.model,
       CASE WHEN a.status != '{Status.PLANNED}' THEN NULL
            WHEN a.driver_id IS NULL THEN '{Undispatched.NO_DRIVER}'
            WHEN d.telegram_id IS NULL THEN '{Undispatched.NOT_REGISTERED}'
            WHEN d.status != 'active' THEN '{Undispatched.SUSPENDED}'
            ELSE '{Undispatched.NOT_YET}' END,
       EXISTS (SELECT 1 FROM proofs r INDEXED BY proofs_flagged
               WHERE r.assignment_id = a.id AND r.flagged = 1)
FROM assignments a
JOIN vehicles v ON v.id = a.vehicle_id
LEFT JOIN drivers d ON d.id = a.driver_id
WHERE a.service_date = ?
"""
_PLACES = "SELECT id, code, name, names FROM places"


@dataclass(frozen=True, slots=True)
class BoardTrip:
    id: int
    status: Status
    driver: str
    vin: str
    model: str
    pickup: str
    destination: str
    pickup_at: datetime
    deliver_by: datetime
    flagged: bool
    # Delivered, and the receiver has not confirmed within the configured time.
    unconfirmed: bool
    late_pickup: bool
    late_delivery: bool
    undispatched: Undispatched | None

    @property
    def late(self) -> bool:
        return self.late_pickup or self.late_delivery


@dataclass(frozen=True, slots=True)
class Board:
    day: date
    now: datetime
    trips: tuple[BoardTrip, ...]

    @property
    def counts(self) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for trip in self.trips:
            counts[trip.status] += 1
        return counts

    @property
    def late(self) -> list[BoardTrip]:
        return [t for t in self.trips if t.late]

    @property
    def flagged(self) -> list[BoardTrip]:
        return [t for t in self.trips if t.flagged]

    @property
    def unconfirmed(self) -> list[BoardTrip]:
        return [t for t in self.trips if t.unconfirmed]

    @property
    def undispatched(self) -> list[BoardTrip]:
        return [t for t in self.trips if t.undispatched is not None]


@dataclass(frozen=True, slots=True)
class DayRows:
    trips: list[tuple[Any, ...]]
    places: dict[int, tuple[str, str]]
    # Delivered trips whose receiver has not answered: id → when the handover link was made.
    awaiting_receiver: dict[int, datetime] = field(default_factory=dict)


async def fetch_day(repos: Repositories, day: date, language: str | None = None) -> DayRows:
    """The reads of a board (what the benchmark holds to 20 ms); places are named in
    ``language`` where the settings give the name in it."""
    trips = await repos.db.fetch_tuples(_DAY, (date_to_db(day),))
    places = {
        row[0]: (row[1], json.loads(row[3] or "{}").get(language) or row[2])
        for row in await repos.db.fetch_all(_PLACES)
    }
    return DayRows(trips, places, await repos.handovers.unconfirmed_on(day))


def build_board(
    rows: DayRows, day: date, now: datetime, confirm_after: timedelta = timedelta(hours=2)
) -> Board:
    trips = []
    for row in rows.trips:
        (aid, status_text, pickup_text, deliver_text, pickup_id, dest_id) = row[:6]
        (name, vin, model, undispatched_text, flagged) = row[6:]
        status = Status(status_text)
        pickup_at, deliver_by = dt_from_db(pickup_text), dt_from_db(deliver_text)
        trips.append(
            BoardTrip(
                id=aid,
                status=status,
                driver=name or "—",
                vin=vin,
                model=model,
                pickup=rows.places.get(pickup_id, ("?", "?"))[0],
                destination=rows.places.get(dest_id, ("?", "?"))[1],
                pickup_at=pickup_at,
                deliver_by=deliver_by,
                flagged=bool(flagged),
                unconfirmed=aid in rows.awaiting_receiver
                and now - rows.awaiting_receiver[aid] >= confirm_after,
                late_pickup=status in _BEFORE_PICKUP and now > pickup_at,
                late_delivery=status in _OPEN and now > deliver_by,
                undispatched=Undispatched(undispatched_text) if undispatched_text else None,
            )
        )
    trips.sort(key=lambda trip: (trip.pickup_at, trip.id))
    return Board(day, now, tuple(trips))


async def load_board(
    repos: Repositories,
    day: date,
    now: datetime,
    confirm_after: timedelta = timedelta(hours=2),
    language: str | None = None,
) -> Board:
    return build_board(await fetch_day(repos, day, language), day, now, confirm_after)


# --- Text -------------------------------------------------------------------------------------

TITLE = N_("📋 Board for {day}: {total} trips")
NOTHING = N_("No trips on {day}.")
LATE_TITLE = N_("⏰ Late ({count}):")
LATE_PICKUP = N_("pickup was due {time}")
LATE_DELIVERY = N_("delivery was due {time}")
FLAGGED_TITLE = N_("🚩 Delivered outside the lot ({count}):")
UNDISPATCHED_TITLE = N_("📭 Not dispatched ({count}):")
UNCONFIRMED_TITLE = N_("🤝 Not confirmed by the receiver ({count}):")
MORE = N_("…and {count} more")
UPDATED = N_("Updated {time}")
LATE_ONLY_NONE = N_("Nobody is late on {day}. 👍")
# Each list on the text board stops here; the picture and /export have the rest.
TEXT_LIST_LIMIT = 8


def _line(trip: BoardTrip, detail: str) -> str:
    return f"#{trip.id} {trip.driver} · {trip.vin[-6:]} → {trip.destination} · {detail}"


def _section(
    title: str, trips: Sequence[BoardTrip], detail: Callable[[BoardTrip], str], t: Translate
) -> list[str]:
    if not trips:
        return []
    lines = ["", t(title, count=len(trips))]
    lines += [_line(trip, detail(trip)) for trip in trips[:TEXT_LIST_LIMIT]]
    if len(trips) > TEXT_LIST_LIMIT:
        lines.append(t(MORE, count=len(trips) - TEXT_LIST_LIMIT))
    return lines


def _late_detail(trip: BoardTrip, zone: ZoneInfo, t: Translate, language: str | None) -> str:
    if trip.late_pickup:
        return t(LATE_PICKUP, time=format_clock(trip.pickup_at, zone, language))
    return t(LATE_DELIVERY, time=format_clock(trip.deliver_by, zone, language))


# ``language`` is the reader's (``t`` is already bound to it): the zone label's brackets follow
# it (（UTC+8） in Chinese). Without one (tests, benchmarks) the ASCII form.


def late_text(board: Board, zone: ZoneInfo, t: Translate, language: str | None = None) -> str:
    late = board.late
    if not late:
        return t(LATE_ONLY_NONE, day=board.day.isoformat())
    lines = _section(LATE_TITLE, late, lambda trip: _late_detail(trip, zone, t, language), t)
    return "\n".join(lines[1:])


def board_text(board: Board, zone: ZoneInfo, t: Translate, language: str | None = None) -> str:
    if not board.trips:
        return t(NOTHING, day=board.day.isoformat())
    counts = board.counts
    lines = [
        t(TITLE, day=board.day.isoformat(), total=len(board.trips)),
        " · ".join(
            f"{t(BOARD_STATUS_LABELS[status])} {count}"
            for status, count in counts.items()
            if count
        ),
    ]
    lines += _section(
        LATE_TITLE, board.late, lambda trip: _late_detail(trip, zone, t, language), t
    )
    lines += _section(
        FLAGGED_TITLE, board.flagged, lambda trip: t(BOARD_STATUS_LABELS[trip.status]), t
    )
    lines += _section(
        UNCONFIRMED_TITLE, board.unconfirmed, lambda trip: t(BOARD_STATUS_LABELS[trip.status]), t
    )
    lines += _section(
        UNDISPATCHED_TITLE,
        board.undispatched,
        lambda trip: t(UNDISPATCHED_LABELS[trip.undispatched or Undispatched.NOT_YET]),
        t,
    )
    lines += ["", t(UPDATED, time=format_time(board.now, zone, language))]
    return "\n".join(lines)


# --- Picture ----------------------------------------------------------------------------------

# Status colours: grey not started, blue under way, green done, amber/red needs someone.
COLOURS: dict[Status, tuple[int, int, int]] = {
    Status.PLANNED: (224, 224, 224),
    Status.SENT: (207, 226, 255),
    Status.ACCEPTED: (179, 209, 255),
    Status.PICKED_UP: (160, 196, 255),
    Status.CROSSED: (140, 182, 255),
    Status.RETURNING: (255, 214, 153),
    Status.DELIVERED: (183, 235, 170),
    Status.DECLINED: (255, 196, 160),
    Status.CANCELLED: (200, 200, 200),
}
LATE_COLOUR = (255, 150, 150)
FLAGGED_COLOUR = (255, 190, 110)
IMAGE_ROWS = 40  # beyond this a phone screen shows nothing readable; the rest is counted
IMAGE_WIDTH = 1080
IMAGE_COLUMNS = (N_("Trip"), N_("Driver"), N_("Car"), N_("To"), N_("Pickup"), N_("Status"))
IMAGE_MORE = N_("+{count} more trips: /export has them all")
IMAGE_ZONE = N_("pickup times {zone}")


@dataclass(frozen=True, slots=True)
class BoardPicture:
    """Everything the drawing needs, already translated (the drawing runs in a thread)."""

    title: str
    summary: str
    columns: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], tuple[int, int, int]], ...]
    footer: str


def board_picture(
    board: Board, zone: ZoneInfo, t: Translate, language: str | None = None
) -> BoardPicture:
    """Trips needing someone first (late, flagged, undispatched), then by pickup time."""

    def urgency(trip: BoardTrip) -> tuple[int, datetime, int]:
        rank = 0 if trip.late else 1 if trip.flagged else 2 if trip.undispatched else 3
        return rank, trip.pickup_at, trip.id

    ordered = sorted(board.trips, key=urgency)
    rows = []
    for trip in ordered[:IMAGE_ROWS]:
        colour = LATE_COLOUR if trip.late else FLAGGED_COLOUR if trip.flagged else None
        # No emoji here: the fonts a server has rarely draw them; the colour says it.
        status = t(BOARD_STATUS_LABELS[trip.status])
        rows.append(
            (
                (
                    f"#{trip.id}",
                    trip.driver,
                    f"{trip.vin[-6:]} {trip.model}".strip(),
                    trip.destination,
                    format_clock(trip.pickup_at, zone).split(" ")[0],
                    status,
                ),
                colour or COLOURS[trip.status],
            )
        )
    counts = " · ".join(f"{t(BOARD_STATUS_LABELS[s])} {n}" for s, n in board.counts.items() if n)
    # The column shows bare clock times; every time shown carries its zone, so the line says it.
    counts += " · " + t(IMAGE_ZONE, zone=zone_label(board.now.astimezone(zone)))
    hidden = len(ordered) - len(rows)
    return BoardPicture(
        title=t(TITLE, day=board.day.isoformat(), total=len(board.trips)),
        summary=counts,
        columns=tuple(t(c) for c in IMAGE_COLUMNS),
        rows=tuple(rows),
        footer=(t(IMAGE_MORE, count=hidden) + "  ·  " if hidden else "")
        + t(UPDATED, time=format_time(board.now, zone, language)),
    )


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Chinese names need a CJK font when the machine has one; loaded once per process."""
    path = find_cjk_font() or find_font(name)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _without_pictographs(text: str) -> str:
    """The text without emoji pictographs (📋): no font a server has (DejaVu, WenQuanYi)
    draws them, and Pillow would put an empty box in their place."""
    return "".join(char for char in text if ord(char) < 0x1F000).strip()


def draw_board(picture: BoardPicture) -> bytes:
    """A PNG table, 1,080 px wide (a phone shows it full width), rows coloured by status."""
    from PIL import Image, ImageDraw, ImageFont

    body, bold, big = _font(SANS, 24), _font(SANS_BOLD, 24), _font(SANS_BOLD, 34)
    row_height, margin = 40, 24
    widths = (110, 230, 250, 200, 100, 140)
    height = margin * 2 + 56 + 40 + row_height * (len(picture.rows) + 1) + 50
    image = Image.new("RGB", (IMAGE_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((margin, margin), _without_pictographs(picture.title), fill="black", font=big)
    draw.text((margin, margin + 52), picture.summary, fill=(60, 60, 60), font=body)
    top = margin + 100

    Face = ImageFont.FreeTypeFont | ImageFont.ImageFont

    def cells(y: int, values: Sequence[str], face: Face) -> None:
        x = margin
        for value, width in zip(values, widths, strict=True):
            text = value
            while text and draw.textlength(text, font=face) > width - 10:
                text = text[:-1]
            if text != value:
                text = text[:-1] + "…"
            draw.text((x + 6, y + 8), text, fill="black", font=face)
            x += width

    draw.rectangle((margin, top, IMAGE_WIDTH - margin, top + row_height), fill=(70, 70, 70))
    x = margin
    for value, width in zip(picture.columns, widths, strict=True):
        draw.text((x + 6, top + 8), value, fill="white", font=bold)
        x += width
    for index, (values, colour) in enumerate(picture.rows, start=1):
        y = top + index * row_height
        draw.rectangle((margin, y, IMAGE_WIDTH - margin, y + row_height - 2), fill=colour)
        cells(y, values, body)
    footer_y = top + (len(picture.rows) + 1) * row_height + 12
    draw.text((margin, footer_y), picture.footer, fill=(80, 80, 80), font=body)
    out = io.BytesIO()
    # Fast compression: the picture is sent once, and level 6 costs 3× the drawing time.
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


async def board_png(picture: BoardPicture) -> bytes:
    """Drawn in a thread: Pillow's work must not hold up other chats."""
    return await asyncio.to_thread(draw_board, picture)
