"""The app's own JobQueue, run on the demo's compressed clock.

The bot schedules its jobs at start-up (``bot.jobs.schedule_jobs``) on APScheduler, which
follows the wall clock. The demo's day is hours of company time played in seconds, so the
wall-clock scheduler is paused and :class:`DemoScheduler` fires the same jobs, with the same
triggers, whenever the demo's clock passes their moment: the evening dispatch at 19:00, the
reminders tick every minute, the group digest every 10 minutes, the daily summary at 21:00.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from bot.clock import FixedClock
from bot.jobs import JOBS
from bot.state import AppState, FerrymanApp

log = logging.getLogger(__name__)


@dataclass
class _Due:
    job: Any  # telegram.ext.Job
    at: datetime


class DemoScheduler:
    """Fires the bot's scheduled jobs (those of ``bot.jobs``) on the demo's clock.

    Only the day's work is played: the heartbeat and the nightly backup watch the machine,
    not the day, and keep their wall-clock schedule.
    """

    def __init__(self, app: FerrymanApp, state: AppState, clock: FixedClock) -> None:
        queue = app.job_queue
        if queue is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        self._app = app
        self._state = state
        self._clock = clock
        self._due: list[_Due] = []
        now = clock.now()
        for job in queue.jobs():
            if job.name not in JOBS:
                continue
            # The wall-clock copy must not fire as well (a demo run at 19:00 would dispatch).
            job.enabled = False
            self._due.append(_Due(job, self._first(job.job.trigger, now)))

    @staticmethod
    def _first(trigger: Any, now: datetime) -> datetime:
        if isinstance(trigger, IntervalTrigger):
            return now + trigger.interval  # run_repeating(first=interval), as bot.jobs asks
        if isinstance(trigger, CronTrigger):
            moment = trigger.get_next_fire_time(None, now)
            if moment is None:
                raise RuntimeError(f"trigger {trigger} never fires")
            return moment
        raise TypeError(f"no demo clock for trigger {trigger!r}")

    @staticmethod
    def _after(trigger: Any, fired: datetime) -> datetime:
        if isinstance(trigger, IntervalTrigger):
            return fired + trigger.interval
        moment = trigger.get_next_fire_time(fired, fired + timedelta(seconds=1))
        if moment is None:
            raise RuntimeError(f"trigger {trigger} never fires again")
        return moment

    async def run_until(self, moment: datetime) -> list[str]:
        """Move the clock to ``moment``, running every job whose time comes on the way, in
        order, each at its own minute, and waiting for what it queued to be sent (a message
        sent later would carry a later time). Returns the names of the jobs that ran."""
        ran: list[str] = []
        while True:
            due = min(self._due, key=lambda d: d.at, default=None)
            if due is None or due.at > moment:
                break
            if due.at > self._clock.now():
                self._clock.set(due.at)
            await due.job.run(self._app)
            ran.append(due.job.name)
            due.at = self._after(due.job.job.trigger, due.at)
            # Most ticks queue nothing: one look at the outbox, not a round with the sender.
            if await self._state.repos.outbox.due(self._clock.now(), limit=1):
                await self._state.outbox.idle(within=120.0)
        if moment > self._clock.now():
            self._clock.set(moment)
        log.debug("demo clock at %s after %s", moment, ran)
        return ran

    async def run_for(self, delta: timedelta) -> list[str]:
        return await self.run_until(self._clock.now() + delta)
