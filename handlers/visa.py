"""/visa: the drivers an admin must plan around — in Kazakhstan, over or near a limit, or
with border records to check — with the real last day and the days over."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.domain.visa import KAZAKHSTAN_TZ, WINDOW_LIMIT_DAYS, Anomaly, AnomalyKind
from bot.i18n import N_, Translator
from bot.services.visa import NEAR_LIMIT_DAYS, DriverVisa, visa_overview
from bot.state import FerrymanApp, FerrymanContext
from bot.telegram_limits import split_text
from handlers.guards import admin_only
from handlers.registry import NEW, PRIVATE, add

MAX_LISTED = 60
HEADER = N_(
    "Visa-free days on {date} (Kazakhstan time, UTC+5): drivers in Kazakhstan, over or near "
    "the limits, or with border records to check."
)
NOBODY = N_("No driver is in Kazakhstan, near a limit or with border records to check.")
OVERSTAY = N_(
    "⛔ {name}: had to be back in China by the end of {date}; days over: {days}. "
    "Last 180 days: {window} of 90."
)
WINDOW_OVER = N_("⛔ {name}: in China; {window} of 90 days in 180, {days} over: must not cross.")
IN_KAZAKHSTAN = N_(
    "🇰🇿 {name}: in Kazakhstan since {start}, back by the end of {date}. "
    "Last 180 days: {window} of 90."
)
NEAR_LIMIT = N_("⚠️ {name}: in China; {window} of 90 days in 180 used.")
TO_CHECK = N_("❓ {name}: border records to check: {records}.")
ANOMALIES = {
    AnomalyKind.RETURN_WITHOUT_CROSSING: N_("back in China on {day} without a crossing"),
    AnomalyKind.CROSSING_WHILE_IN_KAZAKHSTAN: N_("a second crossing on {day}"),
    AnomalyKind.IN_THE_FUTURE: N_("a record dated {day}, in the future (not counted)"),
}
MORE = N_("…and {count} more.")


def _lines(tr: Translator, language: str, entry: DriverVisa) -> list[str]:
    s, name = entry.status, entry.driver.name
    lines: list[str] = []
    if s.in_kazakhstan and s.must_leave_by is not None and s.stay_started is not None:
        date = s.must_leave_by.isoformat()
        if s.overstay_days:
            lines.append(
                tr.get(
                    language,
                    OVERSTAY,
                    name=name,
                    date=date,
                    days=s.overstay_days,
                    window=s.window_days,
                )
            )
        else:
            start = s.stay_started.isoformat()
            values = {"name": name, "start": start, "date": date, "window": s.window_days}
            lines.append(tr.get(language, IN_KAZAKHSTAN, **values))
    elif s.window_days > WINDOW_LIMIT_DAYS:
        values = {"name": name, "window": s.window_days, "days": s.window_days_over}
        lines.append(tr.get(language, WINDOW_OVER, **values))
    elif not s.anomalies or s.window_days_left <= NEAR_LIMIT_DAYS:
        lines.append(tr.get(language, NEAR_LIMIT, name=name, window=s.window_days))
    if s.anomalies:
        records = "; ".join(_anomaly(tr, language, a) for a in s.anomalies)
        lines.append(tr.get(language, TO_CHECK, name=name, records=records))
    return lines


def _anomaly(tr: Translator, language: str, anomaly: Anomaly) -> str:
    return tr.get(language, ANOMALIES[anomaly.kind], day=anomaly.day.isoformat())


@admin_only
async def on_visa(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    if message is None:
        return
    state, language = context.state, context.caller.language
    tr = state.translator
    now = state.clock.now()
    overview = await visa_overview(state.repos, now)
    today = now.astimezone(KAZAKHSTAN_TZ).date().isoformat()
    lines = [tr.get(language, HEADER, date=today)]
    if not overview:
        lines.append(tr.get(language, NOBODY))
    for entry in overview[:MAX_LISTED]:
        lines.extend(_lines(tr, language, entry))
    if len(overview) > MAX_LISTED:
        lines.append(tr.get(language, MORE, count=len(overview) - MAX_LISTED))
    for text in split_text("\n".join(lines)):
        await message.reply_text(text)


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("visa", on_visa, filters=PRIVATE & NEW))
