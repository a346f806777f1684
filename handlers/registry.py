"""How handler modules add themselves to the Application: groups, and stopping after use.

PTB runs the handler groups of an update in ascending order, the first matching handler of
each group. Ferryman's groups, in that order:

- ``CHAT_GUARD``: refuses an update whose private chat is not its sender's (a forgery),
  before anything, even the caller's lookup, is spent on it (``handlers/chat_guard.py``).
- ``CALLER``: resolves who is speaking (``context.caller``) for every update; answers nothing.
- ``GATE``: rules every update obeys before it is served (chats the bot must not be in).
- ``PENDING``: the pending-input router; an answer goes to the question it answers.
- ``MAIN``: commands, buttons and messages, each module's ``register(app)``.
- ``FALLBACK``: last, in a group of its own, so that a module's handler can never be shadowed
  by a catch-all however the modules are ordered; it sees only updates nothing else handled,
  because every handler added with ``add`` stops the update once it has run.
"""

from __future__ import annotations

import functools
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, filters

from bot.state import FerrymanApp, FerrymanContext
from handlers.common import Callback

PRIVATE = filters.ChatType.PRIVATE
NEW = filters.UpdateType.MESSAGE  # new messages only: edits are not commands or answers


class Group(IntEnum):
    CHAT_GUARD = -110
    CALLER = -100
    GATE = -90
    PENDING = -50
    MAIN = 0
    FALLBACK = 100


def handled(callback: Callback) -> Callback:
    """Once this handler has run, the update goes no further (the fallbacks never see it)."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: FerrymanContext) -> None:
        await callback(update, context)
        raise ApplicationHandlerStop

    return wrapper


def add(app: FerrymanApp, handler: BaseHandler[Any, Any, Any], group: Group = Group.MAIN) -> None:
    """Adds a handler that ends the update's handling once it has run."""
    handler.callback = handled(handler.callback)
    app.add_handler(handler, group)
