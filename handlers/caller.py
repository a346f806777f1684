"""The first handler group: who is speaking, resolved once per update."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.roles import resolve_caller
from bot.state import FerrymanApp, FerrymanContext
from handlers.registry import Group


async def resolve(update: Update, context: FerrymanContext) -> None:
    """Puts the caller on the context; every later group reads ``context.caller``."""
    user = update.effective_user
    state = context.state
    context.set_caller(
        await resolve_caller(
            state,
            user.id if user is not None else 0,
            user.language_code if user is not None else None,
            state.clock.now(),
        )
    )


def register(app: FerrymanApp) -> None:
    # Not added with registry.add: this group answers nothing and must let the update go on.
    app.add_handler(TypeHandler(Update, resolve), group=Group.CALLER)
