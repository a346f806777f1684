"""Who may use a handler, as decorators: ``@admin_only``, ``@owner_only``, ``@staff_only``.

A refused caller gets the refusal in their own language and the refusal is logged (who, their
role, what they tried); the guarded handler never runs. Read ``context.caller`` (resolved in
the first handler group), so a guard costs no query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from telegram import Update

from bot.roles import Caller
from bot.services.errors import Refusal
from bot.state import FerrymanContext
from handlers.common import Callback, refuse


def _what(update: Update) -> str:
    """The command or button tried, for the log (never the arguments: they may be personal)."""
    if update.callback_query is not None:
        return "button " + (update.callback_query.data or "").split(":", 1)[0]
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    word = text.split(None, 1)[0] if text else ""
    return word.split("@", 1)[0] if word.startswith("/") else "message"


def _guard(allowed: Callable[[Caller], bool], reason: Refusal) -> Callable[[Callback], Callback]:
    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def wrapper(update: Update, context: FerrymanContext) -> None:
            caller = context.caller
            if not allowed(caller):
                await refuse(update, context, reason, f"{_what(update)} ({caller.role.value})")
                return
            await callback(update, context)

        return wrapper

    return decorate


# Owners and admins: the dispatcher's commands.
admin_only = _guard(lambda caller: caller.is_admin, Refusal.NOT_ADMIN)
# Owners only: who else is staff.
owner_only = _guard(lambda caller: caller.is_owner, Refusal.NOT_OWNER)
# Owners, admins and checkpoint staff: /verify.
staff_only = _guard(lambda caller: caller.is_staff, Refusal.NOT_STAFF)
