"""Scheduled work, derived from settings and the database at start-up (a restart loses none)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from bot.clearance.printing import prerender_day
from bot.state import AppState, FerrymanApp, FerrymanContext

log = logging.getLogger(__name__)

PRERENDER_JOB = "prerender-clearance-images"


async def prerender_tomorrow(context: FerrymanContext) -> int:
    """Before the evening dispatch: every QR of the next service day is drawn and cached."""
    state = context.state
    tomorrow = state.clock.now().astimezone(state.settings.company.timezone).date()
    tomorrow += timedelta(days=1)
    drawn = await prerender_day(state.repos, state.clearance, tomorrow)
    log.info("pre-rendered %d clearance images for %s", drawn, tomorrow)
    return drawn


def schedule_jobs(app: FerrymanApp, state: AppState) -> None:
    """Jobs are named, so scheduling again (a re-start in-process) replaces instead of adding."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    for job in queue.get_jobs_by_name(PRERENDER_JOB):
        job.schedule_removal()
    evening = state.settings.schedule.evening_dispatch
    zone = state.settings.company.timezone
    # An hour before the evening dispatch, so the images are ready when it starts.
    minutes = evening.hour * 60 + evening.minute - 60
    at = time((minutes // 60) % 24, minutes % 60, tzinfo=zone)
    queue.run_daily(prerender_tomorrow, time=at, name=PRERENDER_JOB)
