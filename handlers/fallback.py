"""Everything else a private chat can send: a short, translated answer and a log line."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.i18n import N_
from bot.services.errors import Refusal
from bot.state import FerrymanApp, FerrymanContext
from bot.telegram_limits import DOWNLOAD_LIMIT_BYTES
from handlers.common import REFUSALS, answer, log
from handlers.registry import NEW, PRIVATE, Group, add

UNSUPPORTED = N_(
    "I can't use this kind of message. Send text, photos or your location, or see /help."
)
UNKNOWN_COMMAND = N_("Unknown command. See /help.")
FILE_REFUSED = N_("I can't use this file. Send photos as photos, or see /help.")
EDIT_NOT_READ = N_("I only read new messages, not edits. Please send it again.")


async def on_unsupported(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    kind = next(
        (
            k
            for k in (
                "sticker",
                "voice",
                "video",
                "video_note",
                "audio",
                "animation",
                "poll",
                "dice",
                "game",
                "contact",
                "venue",
            )
            if getattr(message, k, None)
        ),
        "other",
    )
    log.info("unsupported %s from user %s", kind, user.id)
    await answer(update, context, UNSUPPORTED)


async def on_document(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.document is None:
        return
    size = message.document.file_size or 0
    log.info("refused a document of %d bytes from user %s", size, user.id)
    too_large = REFUSALS[Refusal.FILE_TOO_LARGE]
    await answer(update, context, too_large if size > DOWNLOAD_LIMIT_BYTES else FILE_REFUSED)


async def on_unknown_command(update: Update, context: FerrymanContext) -> None:
    user = update.effective_user
    log.info("unknown command from user %s", user.id if user else "?")
    await answer(update, context, UNKNOWN_COMMAND)


async def on_edited(update: Update, context: FerrymanContext) -> None:
    """An edit is not read as an answer; without a word the sender would think it was."""
    user = update.effective_user
    log.info("edited message from user %s not read", user.id if user else "?")
    await answer(update, context, EDIT_NOT_READ)


def register(app: FerrymanApp) -> None:
    # The fallbacks have a group of their own, after every module's: a module registered
    # later can never be shadowed by a catch-all, and these see only what nobody handled.
    for handler in (
        MessageHandler(PRIVATE & NEW & filters.Document.ALL, on_document),
        MessageHandler(PRIVATE & NEW & filters.COMMAND, on_unknown_command),
        MessageHandler(PRIVATE & NEW, on_unsupported),
        # Live locations arrive as edits too; the proof module takes those.
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE & ~filters.LOCATION, on_edited),
    ):
        add(app, handler, Group.FALLBACK)
