"""What the outbox holds: one row per Bot API call the bot makes on its own initiative."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


class Priority(IntEnum):
    """Lower goes first: a driver's answer never waits behind a bulk dispatch."""

    ANSWER = 0  # a reply that belongs to a user's action
    URGENT = 1  # late / problem / flagged alerts
    ALERT = 2  # other admin alerts
    ROUTINE = 3  # reminders, digests
    BULK = 4  # dispatch, broadcast


class Method(StrEnum):
    """Bot API method names the sender knows how to call."""

    SEND_MESSAGE = "sendMessage"
    SEND_PHOTO = "sendPhoto"
    SEND_MEDIA_GROUP = "sendMediaGroup"
    SEND_LOCATION = "sendLocation"
    SEND_VENUE = "sendVenue"
    SEND_DOCUMENT = "sendDocument"
    SEND_VOICE = "sendVoice"
    SEND_CONTACT = "sendContact"
    EDIT_MESSAGE_CAPTION = "editMessageCaption"
    EDIT_MESSAGE_TEXT = "editMessageText"
    EDIT_MESSAGE_REPLY_MARKUP = "editMessageReplyMarkup"
    # Not a Bot API method: the sender renders the trip's QR photo, caption and buttons at send
    # time (so a dispatch queued at 19:00 shows the trip as it is when it goes out).
    ASSIGNMENT = "assignment"


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed: the call may have reached Telegram (a crash here may double)
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # no longer relevant (trip moved on, chat unreachable)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send.

    ``payload`` holds the JSON-able keyword arguments of the Bot API call without ``chat_id``;
    ``reply_markup`` as ``markup.to_dict()``; a file to upload as ``{"path": "/abs/path"}``;
    Telegram file ids as plain strings. ``key`` makes adding idempotent.
    """

    chat_id: int
    method: Method
    payload: Mapping[str, Any]
    key: str
    priority: Priority = Priority.ROUTINE
    purpose: str = ""
    assignment_id: int | None = None
    driver_id: int | None = None
    not_before: datetime | None = None  # UTC; not sent before this moment


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """An outbox row as the sender reads it back."""

    id: int
    message: Outgoing
    status: Status
    attempts: int
    message_id: int | None
    created_at: datetime
