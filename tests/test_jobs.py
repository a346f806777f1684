"""The evening pre-render job is scheduled from settings and draws tomorrow's QR images."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clearance.printing import prerender_day
from bot.jobs import PRERENDER_JOB
from bot.state import FerrymanApp
from tests.conftest import FIXED_NOW
from tests.e2e.helpers import assign, state_of


async def test_prerender_job_runs_an_hour_before_the_evening_dispatch(
    ferryman: FerrymanApp,
) -> None:
    assert ferryman.job_queue is not None
    (job,) = ferryman.job_queue.get_jobs_by_name(PRERENDER_JOB)
    state = state_of(ferryman)
    next_run = job.next_t
    assert next_run is not None
    local = next_run.astimezone(state.settings.company.timezone)
    assert (local.hour, local.minute) == (18, 0)  # evening dispatch is 19:00 by default

    driver = await state.repos.drivers.add(
        name="Pan", now=FIXED_NOW, telegram_id=1, passport_expiry=date(2030, 1, 1)
    )
    tomorrow = FIXED_NOW.astimezone(state.settings.company.timezone).date() + timedelta(days=1)
    await assign(ferryman, driver, vin="LGXCE4CB7R0000001", service_date=tomorrow, now=FIXED_NOW)
    await job.run(ferryman)
    # Everything for tomorrow is cached now: a second pass draws nothing.
    assert await prerender_day(state.repos, state.clearance, tomorrow) == 0
