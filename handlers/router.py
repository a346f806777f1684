"""One router for pending input: a private message goes to the dialog waiting for it.

What the bot waits for from a person is stored (``pending_inputs``, or a registration in
progress) and typed (``bot.domain.pending.InputKind``). The caller group reads it once per
update; this router, in the ``PENDING`` group, hands a new private message that is not a
command to the dialog registered for that kind. A dialog returns True when the message was
its answer (nothing else then sees it) and False to let the usual handlers have it.

Registering a dialog (in the module's ``register(app)``)::

    add_dialog(app, InputKind.STAFF_CONTACT, on_staff_contact, on_repeat=ask_again)

A repeat (the same text, photo or contact again within ``REPEAT_WINDOW``: a double tap, or a
resend after no reply) is never taken as the answer to the next question: it goes to the
dialog's ``on_repeat`` (typically: ask the current question again), or is dropped. A message
whose handling failed is forgotten, so sending it again is handled as new.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.domain.pending import InputKind
from bot.state import FerrymanApp, FerrymanContext
from handlers.registry import NEW, PRIVATE, Group

log = logging.getLogger("ferryman.handlers.router")

REPEAT_WINDOW = timedelta(minutes=2)

Answer = Callable[[Update, FerrymanContext], Awaitable[bool]]
Repeat = Callable[[Update, FerrymanContext], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Dialog:
    answer: Answer
    on_repeat: Repeat | None = None


def add_dialog(
    app: FerrymanApp, kind: InputKind, answer: Answer, *, on_repeat: Repeat | None = None
) -> None:
    """The dialog that answers ``kind``; one per kind (a second registration is a bug)."""
    dialogs = app.bot_data.dialogs
    if kind in dialogs:
        raise RuntimeError(f"a dialog for pending input {kind.value!r} is already registered")
    dialogs[kind] = Dialog(answer, on_repeat)


def fingerprint(message: Message) -> str | None:
    """What identifies the content of an answer; None for content never taken as a repeat."""
    if message.text is not None:
        normalised = " ".join(message.text.split()).casefold()
        return "text:" + hashlib.sha256(normalised.encode()).hexdigest()
    if message.photo:
        return "photo:" + message.photo[-1].file_unique_id
    if message.document is not None:
        return "file:" + message.document.file_unique_id
    if message.contact is not None:
        return f"contact:{message.contact.user_id}:{message.contact.phone_number}"
    # Locations are left out: the same spot twice is a plausible answer to two questions.
    return None


async def route(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    caller = context.caller
    if message is None or caller.pending is None:
        return
    dialog = context.bot_data.dialogs.get(caller.pending.kind)
    if dialog is None:
        return  # e.g. a live location still moving: nothing to answer
    state = context.state
    key = fingerprint(message)
    if key is not None and await state.repos.answers.is_repeat(
        caller.telegram_id, key, state.clock.now(), REPEAT_WINDOW.total_seconds()
    ):
        log.info(
            "a repeated message from user %s is not an answer to %s",
            caller.telegram_id,
            caller.pending.kind.value,
        )
        if dialog.on_repeat is not None:
            await dialog.on_repeat(update, context)
        raise ApplicationHandlerStop
    try:
        taken = await dialog.answer(update, context)
    except ApplicationHandlerStop:
        raise
    except Exception:
        # Not handled (e.g. Telegram failed to give us the photo): the person who sends it
        # again, as they will, is retrying, not repeating, and must not hear "already filed".
        if key is not None:
            await state.repos.answers.forget(caller.telegram_id, key)
        raise
    if taken:
        raise ApplicationHandlerStop


def register(app: FerrymanApp) -> None:
    # Commands are never answers: /problem or /help mid-dialog must still work (a photo
    # captioned with a command, such as /verify, is a command too).
    not_a_command = ~filters.COMMAND & ~filters.CaptionRegex(r"^/")
    app.add_handler(MessageHandler(PRIVATE & NEW & not_a_command, route), group=Group.PENDING)
