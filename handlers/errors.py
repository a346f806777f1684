"""The last line of defence: log the failure, tell the user briefly, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.i18n import N_
from bot.state import FerrymanContext
from handlers.common import user_language

log = logging.getLogger("ferryman.errors")

SOMETHING_WENT_WRONG = N_("Something went wrong on our side. Please try again in a minute.")


async def on_error(update: object, context: FerrymanContext) -> None:
    if update is None:
        # Polling or a job failed talking to Telegram; PTB retries, a line is enough.
        log.warning("Telegram API error outside an update: %r", context.error)
        return
    user_id = (
        update.effective_user.id if isinstance(update, Update) and update.effective_user else None
    )
    # The exception, not the update: updates carry personal data we don't log.
    log.error("error handling an update from user %s", user_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        raise ApplicationHandlerStop
    if update.effective_chat.type == "private":
        try:
            state = context.state
            caller = context.caller_or_none
            language = (
                caller.language
                if caller is not None
                else await user_language(state, update.effective_user)
            )
            await context.bot.send_message(
                update.effective_chat.id, state.translator.get(language, SOMETHING_WENT_WRONG)
            )
        except Exception:
            log.exception("could not tell the user about the error")
    # The update failed: later handler groups (the fallbacks) must not answer it as well.
    raise ApplicationHandlerStop
