"""What /verify and /qrsheet say, in the reader's language (no Telegram here)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.clearance.sheet import SheetLabels
from bot.clearance.token import Refusal
from bot.clearance.verification import Verification
from bot.domain.lifecycle import Status
from bot.i18n import N_, Translator
from bot.timefmt import format_day, format_time

NOT_ALLOWED_VERIFY = N_("Only company admins and checkpoint staff can verify clearance codes.")
VERIFY_HOW = N_(
    "Send the clearance code as text (/verify CODE), or send a photo of the QR code now."
)
SHEET_USAGE = N_("Usage: /qrsheet [YYYY-MM-DD]. Without a date: today ({date}).")
SHEET_EMPTY = N_("No assignments on {date}: nothing to print.")
SHEET_CAPTION = N_("QR sheet for {date}. Codes: {count}, pages: {pages} (A4, 8 stickers a page).")
SHEET_NO_KEY = N_(
    "Clearance codes cannot be generated: no signing key is configured. Ask the operator."
)
DOWNLOAD_FAILED = N_("The photo could not be downloaded. Please send it again.")

VALID = N_("✅ Valid clearance code")
REFUSED = N_("❌ Refused: {reason}")
ASSIGNMENT_LINE = N_("Assignment #{id} on {date}")
CAR_LINE = N_("Car: {vin} {model}")
DRIVER_LINE = N_("Driver: {name}")
NO_DRIVER = N_("Driver: not assigned")
ROUTE_LINE = N_("Route: {pickup} → {destination}")
STATUS_LINE = N_("Status: {status}")
VALID_UNTIL = N_("Valid until {time}")
IMPORTED_LINE = N_("Customs platform code (imported)")

REASONS = {
    Refusal.MALFORMED: N_("the code is malformed (it starts like a Ferryman code but is damaged)"),
    Refusal.UNSUPPORTED_VERSION: N_("the code uses a format this Ferryman does not know"),
    Refusal.UNKNOWN_KEY: N_("the code is signed with an unknown key ({key_id})"),
    Refusal.BAD_SIGNATURE: N_("bad signature: the code was altered or forged"),
    Refusal.EXPIRED: N_("the code expired at {time} (service date {date})"),
    Refusal.UNKNOWN_CODE: N_("unknown code: no assignment has this code"),
    Refusal.UNKNOWN_ASSIGNMENT: N_("assignment #{id} does not exist"),
    Refusal.CANCELLED: N_("assignment #{id} was cancelled"),
    Refusal.VIN_MISMATCH: N_("VIN mismatch: the code names {code_vin}, the car is {vin}"),
    Refusal.DATE_MISMATCH: N_(
        "date mismatch: the code is for {code_date}, the assignment is on {date}"
    ),
    Refusal.SUPERSEDED: N_("assignment #{id} has since been given a different code"),
    Refusal.NO_QR: N_(
        "no QR code found in the photo. Take it straight on, with the whole code in the frame "
        "and no glare"
    ),
}

STATUS_NAMES = {
    Status.PLANNED: N_("planned"),
    Status.SENT: N_("sent to the driver"),
    Status.ACCEPTED: N_("accepted"),
    Status.PICKED_UP: N_("picked up"),
    Status.CROSSED: N_("crossed the border"),
    Status.RETURNING: N_("cancelled, car on its way back to the yard"),
    Status.DELIVERED: N_("delivered"),
    Status.DECLINED: N_("declined"),
    Status.CANCELLED: N_("cancelled"),
}

SHEET_TITLE = N_("Clearance QR codes {date}")
SHEET_MODEL = N_("Model")
SHEET_DRIVER = N_("Driver")
SHEET_DESTINATION = N_("Destination")
SHEET_PAGE = N_("Page {page} of {pages}")


def _day(day: date | None, language: str) -> str:
    return format_day(day, language) if day is not None else "?"


def _reason(t: Translator, language: str, v: Verification, zone: ZoneInfo) -> str:
    assert v.refusal is not None
    claims, a = v.claims, v.assignment
    values: dict[str, object] = {
        "key_id": v.detail,
        "id": a.id if a else (claims.assignment_id if claims else "?"),
        "date": _day(a.service_date if a else claims.service_date if claims else None, language),
        "time": format_time(claims.expires_at, zone, language) if claims else "?",
        "code_vin": claims.vin if claims else "?",
        "vin": v.vehicle.vin if v.vehicle else "?",
        "code_date": _day(claims.service_date if claims else None, language),
    }
    if v.refusal is Refusal.EXPIRED and claims is not None:
        values["date"] = _day(claims.service_date, language)
    return t.get(language, REASONS[v.refusal], **values)


def verification_text(t: Translator, language: str, v: Verification, zone: ZoneInfo) -> str:
    """✅ or ❌ with the reason, then what the code is for when that is known."""
    if v.ok:
        lines = [t.get(language, VALID)]
    else:
        lines = [t.get(language, REFUSED, reason=_reason(t, language, v, zone))]
    a = v.assignment
    if a is None:
        return "\n".join(lines)
    lines.append(
        t.get(language, ASSIGNMENT_LINE, id=a.id, date=format_day(a.service_date, language))
    )
    if v.vehicle is not None:
        lines.append(t.get(language, CAR_LINE, vin=v.vehicle.vin, model=v.vehicle.model).rstrip())
    if v.driver is not None:
        lines.append(t.get(language, DRIVER_LINE, name=v.driver.name))
    else:
        lines.append(t.get(language, NO_DRIVER))
    if v.pickup is not None and v.destination is not None:
        lines.append(
            t.get(
                language,
                ROUTE_LINE,
                pickup=v.pickup.name_in(language),
                destination=v.destination.name_in(language),
            )
        )
    lines.append(t.get(language, STATUS_LINE, status=t.get(language, STATUS_NAMES[a.status])))
    if v.ok and v.claims is not None:
        lines.append(
            t.get(language, VALID_UNTIL, time=format_time(v.claims.expires_at, zone, language))
        )
    elif v.ok:
        lines.append(t.get(language, IMPORTED_LINE))
    return "\n".join(lines)


def sheet_labels(t: Translator, language: str, day: str) -> SheetLabels:
    return SheetLabels(
        title=t.get(language, SHEET_TITLE, date=day),
        model=t.get(language, SHEET_MODEL),
        driver=t.get(language, SHEET_DRIVER),
        destination=t.get(language, SHEET_DESTINATION),
        page=t.get(language, SHEET_PAGE, page="{page}", pages="{pages}"),
    )
