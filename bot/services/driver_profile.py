"""/driver: finding a driver by phone or name, and the profile an admin reads."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.lifecycle import Status
from bot.domain.models import Driver
from bot.i18n import N_
from bot.services.board import BOARD_STATUS_LABELS
from bot.services.manifest import normalize_phone
from bot.services.visa import driver_visa_status
from bot.state import AppState
from bot.timefmt import format_time
from storage.codec import date_from_db, dt_from_db
from storage.repositories import Repositories

PROFILE = N_("👤 {name} · {phone} · language: {lang}")
DRIVER_STATES = {
    "active": N_("active"),
    "suspended": N_("suspended"),
    "left": N_("left the company"),
}
STATE_LINE = N_("Status: {state}; in the bot: {registered}")
UNREACHABLE = N_("⚠️ Cannot be reached in Telegram since {time} (blocked the bot?)")
YES, NO = N_("yes"), N_("no")
PASSPORT = N_("Passport {number}, valid until {expiry}")
PASSPORT_UNKNOWN = N_("Passport: not recorded")
VISA = N_("Visa-free days: {used} of 90 used in 180 days ({left} left); this stay: {stay} of 30")
IN_KAZAKHSTAN = N_("In Kazakhstan now; must be back in China by {day}")
IN_CHINA = N_("In China now")
LAST_TRIPS = N_("Last trips:")
NO_TRIPS = N_("No trips yet.")
TRIP_LINE = N_("{day} #{number} {vin} → {destination}: {status}")

_TRIPS = """
SELECT a.id, a.service_date, a.status, v.vin, q.name
FROM assignments a JOIN vehicles v ON v.id = a.vehicle_id
JOIN places q ON q.id = a.destination_place_id
WHERE a.driver_id = ? ORDER BY a.service_date DESC, a.id DESC LIMIT ?
"""


async def find_drivers(repos: Repositories, query: str) -> list[Driver]:
    """By phone (however written) if the query is one, else by a part of the name."""
    phone = normalize_phone(query) if sum(c.isdigit() for c in query) >= 7 else None
    rows = await repos.db.fetch_all("SELECT id, name, phone FROM drivers ORDER BY id")
    if phone is not None:
        ids = [r[0] for r in rows if normalize_phone(r[2]) == phone]
    else:
        needle = query.casefold()
        exact = [r[0] for r in rows if r[1].casefold() == needle]
        ids = exact or [r[0] for r in rows if needle in r[1].casefold()]
    found = await repos.drivers.by_ids(ids)
    return [found[i] for i in ids if i in found]


async def profile_lines(
    state: AppState, driver: Driver, t: Callable[..., str], trips: int = 5
) -> list[str]:
    now = state.clock.now()
    lines = [
        t(PROFILE, name=driver.name, phone=driver.phone or "—", lang=driver.language),
        t(
            STATE_LINE,
            state=t(DRIVER_STATES.get(driver.status.value, driver.status.value)),
            registered=t(YES if driver.telegram_id is not None else NO),
        ),
    ]
    row = await state.repos.db.fetch_one(
        "SELECT unreachable_at FROM drivers WHERE id = ?", (driver.id,)
    )
    if row is not None and row[0]:
        zone = state.settings.company.timezone
        lines.append(t(UNREACHABLE, time=format_time(dt_from_db(row[0]), zone)))
    if driver.passport_expiry is not None:
        lines.append(
            t(
                PASSPORT,
                number=driver.passport_number or "—",
                expiry=driver.passport_expiry.isoformat(),
            )
        )
    else:
        lines.append(t(PASSPORT_UNKNOWN))
    visa = await driver_visa_status(state.repos, driver.id, now)
    lines.append(
        t(
            VISA,
            used=visa.window_days,
            left=visa.window_days_left,
            stay=visa.stay_days,
        )
    )
    if visa.in_kazakhstan and visa.must_leave_by is not None:
        lines.append(t(IN_KAZAKHSTAN, day=visa.must_leave_by.isoformat()))
    else:
        lines.append(t(IN_CHINA))
    rows = await state.repos.db.fetch_all(_TRIPS, (driver.id, trips))
    if not rows:
        lines += ["", t(NO_TRIPS)]
        return lines
    lines += ["", t(LAST_TRIPS)]
    for number, day, status, vin, destination in rows:
        lines.append(
            t(
                TRIP_LINE,
                day=date_from_db(day).isoformat(),
                number=number,
                vin=vin,
                destination=destination,
                status=t(BOARD_STATUS_LABELS[Status(status)]),
            )
        )
    return lines
