"""A broadcast's progress message: edited with the counts until every message is delivered or
refused.

A job follows each broadcast, and the broadcast's event names the message it edits, so start-up
(``resume``) follows again every broadcast still counting when the bot stopped: after a restart
the counts carry on, and a stopping bot never waits for a broadcast to finish.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram.error import BadRequest
from telegram.ext import JobQueue

from bot.domain.events import EventKind
from bot.domain.models import Event
from bot.i18n import N_
from bot.state import AppState, FerrymanApp, FerrymanContext

log = logging.getLogger(__name__)

BROADCAST_PROGRESS = N_(
    "📣 Broadcast to {total} drivers: {delivered} delivered, {blocked} blocked, {failed} failed…"
)
BROADCAST_DONE = N_(
    "📣 Broadcast to {total} drivers done: {delivered} delivered, {blocked} blocked, "
    "{failed} failed."
)
PROGRESS_SECONDS = 2.0
# A broadcast that has not finished in this long is left to the outbox; the counts stop here.
GIVE_UP_AFTER = timedelta(minutes=30)
JOB_PREFIX = "broadcast progress "

# Telegram's words for a chat that will not take messages (blocked, deleted, never started).
_BLOCKED = ("forbidden", "blocked", "deactivated", "chat not found", "unreachable")


@dataclass(slots=True)
class Progress:
    """One broadcast's progress message, as the broadcast event records it."""

    purpose: str  # the outbox rows' purpose
    total: int
    chat_id: int
    message_id: int
    language: str
    started_at: datetime
    shown: str = ""  # what the message says now, so an unchanged count is not edited again

    def payload(self) -> dict[str, object]:
        return {
            "purpose": self.purpose,
            "drivers": self.total,
            "progress": {
                "chat_id": self.chat_id,
                "message_id": self.message_id,
                "language": self.language,
            },
        }

    @classmethod
    def of(cls, event: Event) -> Progress | None:
        """From a broadcast event; None for one recorded without a progress message."""
        shown = event.payload.get("progress")
        if not isinstance(shown, dict):
            return None
        return cls(
            purpose=str(event.payload["purpose"]),
            total=int(event.payload["drivers"]),
            chat_id=int(shown["chat_id"]),
            message_id=int(shown["message_id"]),
            language=str(shown["language"]),
            started_at=event.recorded_at,
        )


def outcome_counts(outcomes: list[tuple[str, str]]) -> tuple[int, int, int]:
    """(delivered, blocked, failed): a row refused because the chat is gone counts as blocked,
    as does one skipped because an earlier row found the chat gone."""
    delivered = blocked = failed = 0
    for status, error in outcomes:
        if status == "sent":
            delivered += 1
        elif status == "skipped" or (
            status == "failed" and any(word in error.lower() for word in _BLOCKED)
        ):
            blocked += 1
        elif status == "failed":
            failed += 1
    return delivered, blocked, failed


async def progress_text(state: AppState, progress: Progress) -> tuple[str, bool]:
    """The message as it should read now, and whether the broadcast is done."""
    delivered, blocked, failed = outcome_counts(
        await state.repos.manifests.outbox_outcomes(progress.purpose)
    )
    done = delivered + blocked + failed >= progress.total
    text = state.translator.get(
        progress.language,
        BROADCAST_DONE if done else BROADCAST_PROGRESS,
        total=progress.total,
        delivered=delivered,
        blocked=blocked,
        failed=failed,
    )
    return text, done


def follow(queue: JobQueue[Any] | None, progress: Progress) -> None:
    """Keep the progress message counting (a job; named, so following again replaces it)."""
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    name = JOB_PREFIX + progress.purpose
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_repeating(_update, interval=PROGRESS_SECONDS, first=0, name=name, data=progress)


async def _update(context: FerrymanContext) -> None:
    job = context.job
    assert job is not None and isinstance(job.data, Progress)
    progress, state = job.data, context.state
    text, done = await progress_text(state, progress)
    if text != progress.shown:
        try:
            await context.bot.edit_message_text(
                text, chat_id=progress.chat_id, message_id=progress.message_id
            )
        except BadRequest as exc:
            # "Not modified" (the text is already there, e.g. after a restart) or a message the
            # admin deleted: either way there is nothing to retry.
            log.debug("broadcast progress not edited: %s", exc.message)
        progress.shown = text
    if done or state.clock.now() - progress.started_at > GIVE_UP_AFTER:
        job.schedule_removal()


async def resume(app: FerrymanApp, state: AppState) -> int:
    """At start-up: follow again every recent broadcast's progress message. Returns how many.

    One that finished before the stop gets one edit at most (its final count, which Telegram
    refuses as unchanged if it was shown already)."""
    since = state.clock.now() - GIVE_UP_AFTER
    followed = 0
    for event in await state.repos.events.recent((EventKind.BROADCAST,), since):
        progress = Progress.of(event)
        if progress is not None:
            follow(app.job_queue, progress)
            followed += 1
    return followed
