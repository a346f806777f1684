"""Delivering a driver's problem report to the admins and the dispatch group."""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.notify import forward_photo_to_staff, notify_admins, notify_group
from bot.services import problems
from bot.state import FerrymanContext
from handlers.common import telegram_time, user_language

REPORTED = N_("Thank you. The dispatcher has your report and will contact you.")
STAFF_PROBLEM = N_("⚠️ Problem from {driver} ({phone}){trip}: {text}")
TRIP_SUFFIX = N_(", assignment #{number} {vin}")


async def send_problem_report(
    update: Update, context: FerrymanContext, *, text: str, photo_file_id: str | None
) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    state = context.state
    now = state.clock.now()
    report = await problems.report_problem(
        state.repos,
        user.id,
        text=text,
        photo_file_id=photo_file_id,
        telegram_at=telegram_time(message, now),
        now=now,
    )
    language = state.settings.company.default_language
    trip = ""
    if report.trip is not None:
        trip = state.translator.get(
            language,
            TRIP_SUFFIX,
            number=report.trip.assignment.id,
            vin=report.trip.vehicle.vin,
        )
    values = {
        "driver": report.driver.name,
        "phone": report.driver.phone,
        "trip": trip,
        "text": report.text or "—",
    }
    if photo_file_id is not None:
        caption = state.translator.get(language, STAFF_PROBLEM, **values)
        await forward_photo_to_staff(context.bot, state, photo_file_id, caption)
    else:
        await notify_admins(context.bot, state, STAFF_PROBLEM, **values)
        await notify_group(context.bot, state, STAFF_PROBLEM, **values)
    reply_language = await user_language(state, user)
    await message.reply_text(state.translator.get(reply_language, REPORTED))
