"""Plain text from a private chat that no pending question was waiting for."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.i18n import N_
from bot.roles import Role
from bot.services.errors import Refusal
from bot.state import FerrymanApp, FerrymanContext
from handlers.common import answer, refuse
from handlers.registry import NEW, PRIVATE, add

HINT = N_("Use the buttons under your assignment, or /help.")


async def on_text(update: Update, context: FerrymanContext) -> None:
    # Answers to questions (onboarding, a problem report, the delivery checklist) went to
    # their dialog through the router; what is left is a message nobody asked for.
    if context.caller.role is Role.STRANGER:
        await refuse(update, context, Refusal.NOT_REGISTERED, "text")
        return
    await answer(update, context, HINT)


def register(app: FerrymanApp) -> None:
    add(app, MessageHandler(PRIVATE & NEW & filters.TEXT & ~filters.COMMAND, on_text))
