"""Scheduled work, derived from settings and the database at start-up (a restart loses none)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from telegram.error import TelegramError

from bot.clearance.printing import prerender_day
from bot.services.digest import GROUP_DIGEST, collect, render
from bot.state import AppState, FerrymanApp, FerrymanContext

log = logging.getLogger(__name__)

PRERENDER_JOB = "prerender-clearance-images"
GROUP_DIGEST_JOB = "group-digest"


async def prerender_tomorrow(context: FerrymanContext) -> int:
    """Before the evening dispatch: every QR of the next service day is drawn and cached."""
    state = context.state
    tomorrow = state.clock.now().astimezone(state.settings.company.timezone).date()
    tomorrow += timedelta(days=1)
    drawn = await prerender_day(state.repos, state.clearance, tomorrow)
    log.info("pre-rendered %d clearance images for %s", drawn, tomorrow)
    return drawn


async def send_group_digest(context: FerrymanContext) -> None:
    """One message for everything since the last digest; the cursor moves only once sent."""
    state = context.state
    digest = await collect(state.repos, GROUP_DIGEST)
    if digest is None:
        return
    group = state.settings.company.group_chat_id
    if group is not None and digest.newsworthy:
        language = state.settings.company.default_language
        zone = state.settings.company.timezone
        try:
            for text in render(digest, state.translator, language, zone):
                await context.bot.send_message(group, text)
        except TelegramError as exc:
            # Not advanced: the next run reports these events again rather than losing them.
            log.warning("group digest not delivered: %s", exc)
            return
    await state.repos.digests.advance(GROUP_DIGEST, digest.last_event_id, state.clock.now())


def schedule_jobs(app: FerrymanApp, state: AppState) -> None:
    """Jobs are named, so scheduling again (a re-start in-process) replaces instead of adding."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    for name in (PRERENDER_JOB, GROUP_DIGEST_JOB):
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
    evening = state.settings.schedule.evening_dispatch
    zone = state.settings.company.timezone
    # An hour before the evening dispatch, so the images are ready when it starts.
    minutes = evening.hour * 60 + evening.minute - 60
    at = time((minutes // 60) % 24, minutes % 60, tzinfo=zone)
    queue.run_daily(prerender_tomorrow, time=at, name=PRERENDER_JOB)
    interval = timedelta(minutes=state.settings.schedule.group_digest_minutes)
    queue.run_repeating(
        send_group_digest, interval=interval, first=interval, name=GROUP_DIGEST_JOB
    )
