"""First for every update (``Group.CHAT_GUARD``): name it for the logs, then the chat rule."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.logs import bind
from bot.state import FerrymanApp, FerrymanContext
from bot.views import parse_callback
from handlers.registry import Group

log = logging.getLogger("ferryman.chat_guard")


async def refuse_foreign_private_chat(update: Update, context: FerrymanContext) -> None:
    """A private chat belongs to one user: an update whose private chat is not its sender's
    cannot come from Telegram, only from a forger (a leaked webhook secret, a bad proxy), who
    would otherwise get the sender's answers (the owner's /qrsheet) in their own chat."""
    chat, user = update.effective_chat, update.effective_user
    # Every log line written while handling this update names it, its actor and (for a trip
    # button) its assignment; the update runs in its own task, so this stays with it.
    press = parse_callback(update.callback_query.data) if update.callback_query else None
    bind(
        update_id=update.update_id,
        actor=user.id if user else None,
        assignment_id=press.assignment_id if press else None,
    )
    if chat is None or user is None or chat.type != ChatType.PRIVATE or chat.id == user.id:
        return
    log.warning(
        "refused update %s: private chat %s is not the private chat of its sender %s",
        update.update_id,
        chat.id,
        user.id,
    )
    raise ApplicationHandlerStop


def register(app: FerrymanApp) -> None:
    # app.add_handler, not registry.add: an update that passes must go on to the next groups.
    app.add_handler(TypeHandler(Update, refuse_foreign_private_chat), group=Group.CHAT_GUARD)
