"""Sending to drivers on an admin's word: /dispatch [date] and /broadcast TEXT.

Both go through the outbox (paced, prioritised below drivers' own answers, idempotent); the
admin's message is edited with the progress until every message is delivered or refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from telegram import Update
from telegram.ext import CommandHandler

from bot.broadcast import BROADCAST_PROGRESS, Progress, follow
from bot.domain.events import EventKind
from bot.i18n import N_
from bot.outbox import Method, Outgoing, Priority
from bot.services.dispatch import DispatchReport, dispatch_day
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.telegram_limits import MESSAGE_LIMIT, fit
from handlers.common import log
from handlers.guards import admin_only
from handlers.registry import NEW, PRIVATE, add

DISPATCHED = N_(
    "📤 Dispatch for {day}: {queued} trips queued now, {already} already queued or sent, "
    "{held} held back (listed in a separate message)."
)
BAD_DATE = N_("“{value}” is not a date: write YYYY-MM-DD, e.g. {example}.")
BROADCAST_USAGE = N_("Usage: /broadcast TEXT – sent to every active driver.")


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("dispatch", on_dispatch, filters=PRIVATE & NEW))
    add(app, CommandHandler("broadcast", on_broadcast, filters=PRIVATE & NEW))


def _t(state: AppState, language: str) -> Callable[..., str]:
    return lambda msgid, **values: state.translator.get(language, msgid, **values)


def dispatch_summary(report: DispatchReport, t: Callable[..., str]) -> str:
    return t(
        DISPATCHED,
        day=report.service_date.isoformat(),
        queued=report.queued,
        already=report.already,
        held=len(report.held),
    )


@admin_only
async def on_dispatch(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None
    state = context.state
    t = _t(state, context.caller.language)
    today = state.clock.now().astimezone(state.settings.company.timezone).date()
    args = context.args or []
    try:
        day = date.fromisoformat(args[0]) if args else today
    except ValueError:
        await message.reply_text(t(BAD_DATE, value=args[0], example=today.isoformat()))
        return
    await state.repos.events.append(
        EventKind.DISPATCH_REQUESTED,
        recorded_at=state.clock.now(),
        actor_telegram_id=context.caller.telegram_id,
        payload={"service_date": day.isoformat()},
    )
    report = await dispatch_day(state, day)
    log.info("admin %s dispatched %s: %s queued", context.caller.telegram_id, day, report.queued)
    await message.reply_text(dispatch_summary(report, t))


@admin_only
async def on_broadcast(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    state = context.state
    t = _t(state, context.caller.language)
    # The text as typed, line breaks included (context.args would have split it into words).
    parts = message.text.split(None, 1)
    text = parts[1].strip() if len(parts) > 1 else ""
    if not text:
        await message.reply_text(t(BROADCAST_USAGE))
        return
    purpose = f"broadcast:{context.caller.telegram_id}:{message.message_id}"
    unreachable = set(await state.repos.drivers.unreachable_ids())
    drivers = [d for d in await state.repos.drivers.active() if d.id not in unreachable]
    rows = [
        Outgoing(
            chat_id=d.telegram_id,
            method=Method.SEND_MESSAGE,
            payload={"text": fit(text, MESSAGE_LIMIT)},
            key=f"{purpose}:{d.telegram_id}",
            priority=Priority.BULK,
            purpose=purpose,
            driver_id=d.id,
        )
        for d in drivers
        if d.telegram_id is not None
    ]
    now = state.clock.now()
    shown = t(BROADCAST_PROGRESS, total=len(rows), delivered=0, blocked=0, failed=0)
    sent = await message.reply_text(shown)
    progress = Progress(
        purpose=purpose,
        total=len(rows),
        chat_id=sent.chat_id,
        message_id=sent.message_id,
        language=context.caller.language,
        started_at=now,
        shown=shown,
    )
    async with state.repos.db.transaction():
        await state.repos.outbox.add(*rows)
        await state.repos.events.append(
            EventKind.BROADCAST,
            recorded_at=now,
            actor_telegram_id=context.caller.telegram_id,
            payload=progress.payload(),
        )
    state.outbox.wake()
    log.info("admin %s broadcast to %s drivers", context.caller.telegram_id, len(rows))
    # The job edits the counts in; the event names the message, so a restart goes on with it.
    follow(context.job_queue, progress)
