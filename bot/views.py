"""How an assignment looks on the phone: caption text and the buttons for the next steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.lifecycle import Status
from bot.i18n import N_, Translator
from bot.services.trips import Trip
from bot.telegram_limits import fit_caption
from bot.timefmt import format_day, format_time_beside


class TripButton(StrEnum):
    ACCEPT = "acc"
    DECLINE = "dec"
    PICK_UP = "pick"
    CROSS = "cross"
    DELIVER = "deliv"
    PROBLEM = "prob"
    BACK = "back"
    QR_FILE = "png"
    MAP = "map"


LABELS = {
    TripButton.ACCEPT: N_("✅ Accept"),
    TripButton.DECLINE: N_("❌ Decline"),
    TripButton.PICK_UP: N_("🚗 Picked up the car"),
    TripButton.CROSS: N_("🛂 Crossed the border"),
    TripButton.DELIVER: N_("📦 Delivered"),
    TripButton.PROBLEM: N_("⚠️ Problem"),
    TripButton.BACK: N_("🏠 Back in China"),
    TripButton.QR_FILE: N_("🖼 QR as a file"),
    TripButton.MAP: N_("📍 Map"),
}

STATUS_LABELS = {
    Status.PLANNED: N_("planned"),
    Status.SENT: N_("waiting for your answer"),
    Status.ACCEPTED: N_("accepted"),
    Status.PICKED_UP: N_("car picked up"),
    Status.CROSSED: N_("across the border"),
    Status.RETURNING: N_("cancelled: bring the car back to the yard"),
    Status.DELIVERED: N_("delivered"),
    Status.DECLINED: N_("declined"),
    Status.CANCELLED: N_("cancelled"),
}

# The buttons for each status: only the next legal steps, then the helpers.
_ROWS: dict[Status, tuple[tuple[TripButton, ...], ...]] = {
    # The dispatch leaves the map pins out (one message per driver): they come with
    # "Accept", or before it with "📍 Map".
    Status.SENT: ((TripButton.ACCEPT, TripButton.DECLINE), (TripButton.QR_FILE, TripButton.MAP)),
    Status.ACCEPTED: ((TripButton.PICK_UP,), (TripButton.PROBLEM, TripButton.QR_FILE)),
    Status.PICKED_UP: ((TripButton.CROSS,), (TripButton.PROBLEM, TripButton.QR_FILE)),
    Status.CROSSED: ((TripButton.DELIVER,), (TripButton.PROBLEM,)),
    Status.RETURNING: ((TripButton.PROBLEM,),),
}

# Colours from manifests, translated when known; anything else is shown as given.
COLOURS = {
    "white": N_("white"),
    "black": N_("black"),
    "silver": N_("silver"),
    "grey": N_("grey"),
    "gray": N_("grey"),
    "red": N_("red"),
    "blue": N_("blue"),
    "green": N_("green"),
    "yellow": N_("yellow"),
    "orange": N_("orange"),
    "brown": N_("brown"),
    "beige": N_("beige"),
    "gold": N_("gold"),
    "purple": N_("purple"),
    "pink": N_("pink"),
    "dark blue": N_("dark blue"),
    "light blue": N_("light blue"),
    "dark grey": N_("dark grey"),
    "pearl white": N_("pearl white"),
}


def colour_name(colour: str, tr: Translator, language: str) -> str:
    msgid = COLOURS.get(" ".join(colour.lower().replace("-", " ").split()))
    return tr.get(language, msgid) if msgid else colour


_CALLBACK_RE = re.compile(r"^trip:(\d{1,12}):([a-z]{2,6})$")


@dataclass(frozen=True, slots=True)
class TripPress:
    assignment_id: int
    button: TripButton


def callback_data(assignment_id: int, button: TripButton) -> str:
    return f"trip:{assignment_id}:{button.value}"


def parse_callback(data: str | None) -> TripPress | None:
    """None for anything we did not produce (tampered or from an old version)."""
    match = _CALLBACK_RE.fullmatch(data or "")
    if match is None:
        return None
    try:
        return TripPress(int(match.group(1)), TripButton(match.group(2)))
    except ValueError:
        return None


def trip_keyboard(
    trip: Trip, tr: Translator, language: str, in_kazakhstan: bool
) -> InlineKeyboardMarkup | None:
    """None when no step is left: Telegram then shows (or after an edit, keeps) no buttons."""
    rows = _ROWS.get(trip.assignment.status, ())
    if trip.assignment.status is Status.DELIVERED and in_kazakhstan:
        rows = ((TripButton.BACK,),)
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.get(language, LABELS[button]),
                    callback_data=callback_data(trip.assignment.id, button),
                )
                for button in row
            ]
            for row in rows
        ]
    )


def trip_caption(trip: Trip, tr: Translator, language: str, zone: ZoneInfo) -> str:
    """``zone`` is the company's; each time shows in its place's zone, the company's beside."""
    a, v = trip.assignment, trip.vehicle

    def t(message: str, **values: object) -> str:
        return tr.get(language, message, **values)

    colour = colour_name(v.colour, tr, language) if v.colour else ""
    car = t(N_("{model}, {colour}"), model=v.model, colour=colour) if v.model and colour else ""
    car = car or v.model or colour
    pickup_zone = trip.pickup.zone(zone)
    deliver_zone = trip.destination.zone(zone)
    lines = [
        t(
            N_("🚗 Assignment #{number} for {date}"),
            number=a.id,
            date=format_day(a.service_date, language),
        ),
        t(N_("Status: {status}"), status=t(STATUS_LABELS[a.status])),
        "",
        t(N_("VIN: {vin}"), vin=v.vin),
    ]
    if car:
        lines.append(t(N_("Car: {car}"), car=car))
    lines += [
        t(
            N_("📍 Pick up: {place}, {time}"),
            place=trip.pickup.name_in(language),
            time=format_time_beside(a.pickup_at, pickup_zone, zone, language),
        ),
        t(N_("🏁 Deliver to: {place}"), place=trip.destination.name_in(language)),
    ]
    if a.receiver_name or a.receiver_phone:
        receiver = " ".join(p for p in (a.receiver_name, a.receiver_phone) if p)
        lines.append(t(N_("👤 Receiver: {receiver}"), receiver=receiver))
    lines += [
        t(
            N_("⏰ Deliver by: {time}"),
            time=format_time_beside(a.deliver_by, deliver_zone, zone, language),
        ),
        "",
        t(N_("Show this QR code at the gate. It works without internet: keep this message.")),
    ]
    return fit_caption("\n".join(lines))
