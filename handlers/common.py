"""Small helpers every handler uses: who is talking, in which language, and refusals."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from telegram import Message, Update, User

from bot.i18n import N_
from bot.services.errors import Refusal, ServiceRefused
from bot.state import AppState, FerrymanContext
from bot.telegram_limits import CALLBACK_ANSWER_LIMIT, fit

log = logging.getLogger("ferryman.handlers")

REFUSALS = {
    Refusal.NOT_REGISTERED: N_(
        "You are not registered yet. Ask your dispatcher for an invitation link."
    ),
    Refusal.NOT_YOUR_ASSIGNMENT: N_("This button is not for you."),
    Refusal.UNKNOWN_ASSIGNMENT: N_("This assignment no longer exists."),
    Refusal.ILLEGAL_STEP: N_("That step is not possible now. Use the buttons shown."),
    Refusal.STALE: N_("Already done."),
    Refusal.NOT_IN_KAZAKHSTAN: N_("You are already recorded as back in China."),
    Refusal.NO_DELIVERY_IN_PROGRESS: N_(
        "I was not expecting this. Photos and a location are needed only after you press "
        "📦 Delivered. To report a problem, use /problem."
    ),
    Refusal.FORWARDED: N_(
        "Forwarded photos and locations are not proof of delivery. Take the photo now with "
        "the camera, and share your location with the button."
    ),
    Refusal.PICKED_PLACE: N_(
        "A place picked from the map is not proof of delivery. Share your current location "
        "with the button."
    ),
    Refusal.FILE_TOO_LARGE: N_("This file is too large (the limit is 20 MB)."),
    Refusal.NOT_AN_IMAGE: N_("Please send a photo."),
    Refusal.NOT_ADMIN: N_("This command is for company admins."),
    Refusal.NOT_OWNER: N_("Only the company's owners can change who is staff."),
    Refusal.NOT_STAFF: N_("Only company admins and checkpoint staff can verify clearance codes."),
    Refusal.SUSPENDED: N_(
        "Your driver account is suspended, so the bot cannot serve you now. "
        "Contact your dispatcher."
    ),
    Refusal.ALREADY_FILED: N_("This photo is already filed."),
    Refusal.PHOTO_REUSED: N_("This photo is already on record as proof. Take a new photo."),
    Refusal.VIN_MISMATCH: N_("The VIN plate in this photo is not the car of this assignment."),
    Refusal.EMPTY_REPORT: N_(
        "Nothing to send yet: write what happened, or send a photo, a voice note or your "
        "location first."
    ),
    Refusal.REPORT_FULL: N_("This report is full. Press ✅ Send, then start another one."),
}


async def user_language(state: AppState, user: User | None) -> str:
    """A registered driver's chosen language, else the one Telegram reports."""
    if user is None:
        return state.settings.company.default_language
    driver = await state.repos.drivers.by_telegram_id(user.id)
    if driver is not None:
        return driver.language
    return state.translator.language(user.language_code)


def telegram_time(message: Message | None, fallback: datetime) -> datetime:
    """Telegram's clock for the message (edits carry edit_date)."""
    if message is None:
        return fallback
    return message.edit_date or message.date or fallback


async def caller_language(update: Update, context: FerrymanContext) -> str:
    """The language of the person behind the update (resolved once, in the caller group)."""
    caller = context.caller_or_none
    if caller is not None:
        return caller.language
    return await user_language(context.state, update.effective_user)


async def answer(update: Update, context: FerrymanContext, text: str, **values: object) -> None:
    """Reply in the user's language to a message or a button press."""
    state = context.state
    language = await caller_language(update, context)
    translated = state.translator.get(language, text, **values)
    if update.callback_query is not None:
        await update.callback_query.answer(
            fit(translated, CALLBACK_ANSWER_LIMIT), show_alert=len(translated) > 60
        )
    elif update.effective_message is not None:
        await update.effective_message.reply_text(translated)


async def refuse(
    update: Update, context: FerrymanContext, reason: Refusal, what: str = ""
) -> None:
    user = update.effective_user
    log.info(
        "refused %s from user %s: %s", what or "input", user.id if user else "?", reason.value
    )
    await answer(update, context, REFUSALS[reason])


Callback = Callable[[Update, FerrymanContext], Coroutine[Any, Any, None]]


def refusals_answered(what: str) -> Callable[[Callback], Callback]:
    """A service's refusal becomes the translated answer, so a handler reads straight through."""

    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def wrapper(update: Update, context: FerrymanContext) -> None:
            try:
                await callback(update, context)
            except ServiceRefused as refusal:
                await refuse(update, context, refusal.reason, what)

        return wrapper

    return decorate
