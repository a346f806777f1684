"""Scheduled work, derived from settings and the database at start-up (a restart loses none)."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

from bot.clearance.printing import prerender_day
from bot.outbox import Method, Outgoing, Priority
from bot.services import reminders
from bot.services.digest import GROUP_DIGEST, collect, render
from bot.services.dispatch import dispatch_day
from bot.state import AppState, FerrymanApp, FerrymanContext

log = logging.getLogger(__name__)

PRERENDER_JOB = "prerender-clearance-images"
GROUP_DIGEST_JOB = "group-digest"
EVENING_DISPATCH_JOB = "evening-dispatch"
MORNING_DISPATCH_JOB = "morning-dispatch"
REMINDERS_JOB = "reminders"
DAILY_SUMMARY_JOB = "daily-summary"
LIMITS_JOB = "passport-and-visa-warnings"
REMINDER_TICK = timedelta(minutes=1)
JOBS = (
    PRERENDER_JOB,
    GROUP_DIGEST_JOB,
    EVENING_DISPATCH_JOB,
    MORNING_DISPATCH_JOB,
    REMINDERS_JOB,
    DAILY_SUMMARY_JOB,
    LIMITS_JOB,
)


async def prerender_tomorrow(context: FerrymanContext) -> int:
    """Before the evening dispatch: every QR of the next service day is drawn and cached."""
    state = context.state
    tomorrow = state.clock.now().astimezone(state.settings.company.timezone).date()
    tomorrow += timedelta(days=1)
    drawn = await prerender_day(state.repos, state.clearance, tomorrow)
    log.info("pre-rendered %d clearance images for %s", drawn, tomorrow)
    return drawn


async def send_group_digest(context: FerrymanContext) -> None:
    await queue_group_digest(context.state)


async def queue_group_digest(state: AppState) -> int:
    """One message for everything since the last digest, queued in the outbox.

    The digest's rows and the cursor's move commit together: a kill before the commit
    reports the same events again, a kill after it finds the digest already queued (and,
    once sent, its Telegram message id recorded), so it is never sent twice.
    """
    digest = await collect(state.repos, GROUP_DIGEST)
    if digest is None:
        return 0
    group = state.group_chat_id
    messages: list[Outgoing] = []
    if group is not None and digest.newsworthy:
        language = state.settings.company.default_language
        zone = state.settings.company.timezone
        messages = [
            Outgoing(
                chat_id=group,
                method=Method.SEND_MESSAGE,
                payload={"text": text},
                key=f"digest:{GROUP_DIGEST}:{digest.last_event_id}:{part}",
                priority=Priority.ROUTINE,
                purpose="digest",
            )
            for part, text in enumerate(render(digest, state.translator, language, zone))
        ]
    async with state.repos.db.transaction():
        added = await state.repos.outbox.add(*messages)
        await state.repos.digests.advance(GROUP_DIGEST, digest.last_event_id, state.clock.now())
    state.outbox.wake()
    return added


def _local_today(state: AppState) -> date:
    return state.clock.now().astimezone(state.settings.company.timezone).date()


async def evening_dispatch(context: FerrymanContext) -> None:
    """The next service day's trips to their drivers (QR images are drawn first)."""
    state = context.state
    await dispatch_day(state, _local_today(state) + timedelta(days=1))


async def morning_dispatch(context: FerrymanContext) -> None:
    """Today's trips again to every driver who has not accepted, by file id."""
    state = context.state
    await dispatch_day(state, _local_today(state), resend=True)


async def send_reminders(context: FerrymanContext) -> None:
    await reminders.tick(context.state)


async def morning_checks(context: FerrymanContext) -> None:
    await reminders.warn_limits(context.state)


async def send_daily_summary(context: FerrymanContext) -> None:
    state = context.state
    await reminders.queue_daily_summary(state, _local_today(state))


async def catch_up(state: AppState) -> None:
    """At start-up: a dispatch whose moment passed while the bot was down goes out now.

    Only trips still planned are sent (never a second copy): dispatch_day's keys make this
    safe to repeat, and what the missed run would have re-sent is not worth a surprise.
    """
    zone = state.settings.company.timezone
    local = state.clock.now().astimezone(zone)
    schedule = state.settings.schedule
    if local.time() >= schedule.morning_dispatch:
        await dispatch_day(state, local.date())
    if local.time() >= schedule.evening_dispatch:
        await dispatch_day(state, local.date() + timedelta(days=1))
    # Steps whose moment passed while the bot was down, if what they guard still holds.
    await reminders.tick(state)
    await reminders.warn_limits(state)


def schedule_jobs(app: FerrymanApp, state: AppState) -> None:
    """Jobs are named, so scheduling again (a re-start in-process) replaces instead of adding."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    for name in JOBS:
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
    evening = state.settings.schedule.evening_dispatch
    zone = state.settings.company.timezone
    # An hour before the evening dispatch, so the images are ready when it starts.
    minutes = evening.hour * 60 + evening.minute - 60
    at = time((minutes // 60) % 24, minutes % 60, tzinfo=zone)
    queue.run_daily(prerender_tomorrow, time=at, name=PRERENDER_JOB)
    schedule = state.settings.schedule
    queue.run_daily(
        evening_dispatch,
        time=schedule.evening_dispatch.replace(tzinfo=zone),
        name=EVENING_DISPATCH_JOB,
    )
    queue.run_daily(
        morning_checks, time=schedule.morning_dispatch.replace(tzinfo=zone), name=LIMITS_JOB
    )
    queue.run_daily(
        send_daily_summary,
        time=schedule.daily_summary.replace(tzinfo=zone),
        name=DAILY_SUMMARY_JOB,
    )
    queue.run_repeating(
        send_reminders, interval=REMINDER_TICK, first=REMINDER_TICK, name=REMINDERS_JOB
    )
    queue.run_daily(
        morning_dispatch,
        time=schedule.morning_dispatch.replace(tzinfo=zone),
        name=MORNING_DISPATCH_JOB,
    )
    interval = timedelta(minutes=state.settings.schedule.group_digest_minutes)
    queue.run_repeating(
        send_group_digest, interval=interval, first=interval, name=GROUP_DIGEST_JOB
    )
