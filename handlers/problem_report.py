"""Delivering a driver's problem report to the admins and the dispatch group."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.domain.pending import InputKind
from bot.i18n import N_
from bot.notify import admin_alert, group_notice, staff_photo
from bot.outbox import Priority
from bot.services import problems, proof
from bot.services.errors import ServiceRefused
from bot.state import FerrymanApp, FerrymanContext
from handlers.common import refuse, telegram_time, user_language
from handlers.proof_prompts import ask_for_next_proof
from handlers.router import add_dialog

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
    language = state.settings.company.default_language
    # The staff's copies commit with the problem event: a failed call cannot lose the report.
    async with state.repos.db.transaction():
        report = await problems.report_problem(
            state.repos,
            user.id,
            text=text,
            photo_file_id=photo_file_id,
            telegram_at=telegram_time(message, now),
            now=now,
        )
        trip = ""
        if report.trip is not None:
            trip = state.translator.get(
                language,
                TRIP_SUFFIX,
                number=report.trip.assignment.id,
                vin=report.trip.vehicle.vin,
            )
        values: dict[str, Any] = {
            "driver": report.driver.name,
            "phone": report.driver.phone,
            "trip": trip,
            "text": report.text or "—",
        }
        # Telegram's id of the driver's message names the report uniquely.
        key = f"alert.problem:{message.chat_id}:{message.message_id}"
        if photo_file_id is not None:
            staff = await staff_photo(state, photo_file_id, STAFF_PROBLEM, key=key, **values)
        else:
            staff = await admin_alert(
                state,
                STAFF_PROBLEM,
                key=key,
                priority=Priority.URGENT,
                purpose="alert.problem",
                **values,
            )
            staff += group_notice(
                state,
                STAFF_PROBLEM,
                key=key,
                priority=Priority.URGENT,
                purpose="alert.problem",
                **values,
            )
        await state.repos.outbox.add(*staff)
    state.outbox.wake()
    reply_language = await user_language(state, user)
    await message.reply_text(state.translator.get(reply_language, REPORTED))
    if report.resumed is InputKind.PROOF:
        # The report interrupted a delivery: the checklist goes on where it stopped.
        step = await proof.expected_proof(state.repos, state.settings.delivery, user.id)
        await ask_for_next_proof(context, user, step)


async def on_problem_input(update: Update, context: FerrymanContext) -> bool:
    """The problem dialog: the next text, or a photo with its caption, is the report."""
    message = update.effective_message
    if message is None:
        return False
    if message.text is not None:
        await _report(update, context, message.text, None)
        return True
    attachment = message.photo[-1] if message.photo else None
    document = message.document
    if attachment is None and document is not None:
        if not (document.mime_type or "").startswith("image/"):
            return False
        file_id = document.file_id
    elif attachment is not None:
        file_id = attachment.file_id
    else:
        return False
    await _report(update, context, message.caption or "", file_id)
    return True


async def _report(
    update: Update, context: FerrymanContext, text: str, photo_file_id: str | None
) -> None:
    try:
        await send_problem_report(update, context, text=text, photo_file_id=photo_file_id)
    except ServiceRefused as refusal:
        await refuse(update, context, refusal.reason, "problem report")


def register(app: FerrymanApp) -> None:
    # A repeat of the report is dropped: it was filed once, and the driver was answered.
    add_dialog(app, InputKind.PROBLEM, on_problem_input)
