"""The last line of defence: log the failure, tell the user briefly, keep running."""

from __future__ import annotations

import logging
from typing import TypeGuard

from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import ApplicationHandlerStop

from bot.i18n import N_
from bot.network import describe
from bot.state import FerrymanContext
from handlers.common import user_language

log = logging.getLogger("ferryman.errors")

SOMETHING_WENT_WRONG = N_("Something went wrong on our side. Please try again in a minute.")


def _network_trouble(error: object) -> TypeGuard[NetworkError]:
    """Telegram out of reach or failing (5xx, timeouts), not a mistake of ours (BadRequest)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def on_error(update: object, context: FerrymanContext) -> None:
    if update is None:
        # Polling or a job failed talking to Telegram; PTB retries, a line is enough.
        log.warning("Telegram API error outside an update: %r", context.error)
        return
    user_id = (
        update.effective_user.id if isinstance(update, Update) and update.effective_user else None
    )
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if _network_trouble(error):
        # Telegram out of reach mid-update: expected trouble, one line with the reason (a
        # traceback of the HTTP stack per failed call would bury everything else).
        log.warning("update %s from user %s not answered: %s", update_id, user_id, describe(error))
    else:
        # The exception, not the update: updates carry personal data we don't log.
        log.error("error handling an update from user %s", user_id, exc_info=error)
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
        except Exception as exc:
            if _network_trouble(exc):
                log.warning("could not tell user %s either: %s", user_id, describe(exc))
            else:
                log.exception("could not tell the user about the error")
    # The update failed: later handler groups (the fallbacks) must not answer it as well.
    raise ApplicationHandlerStop
