"""The running bot's side of the health checks: what it knows, reported live and to a file."""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime

from telegram.error import TelegramError

from bot.health import (
    HEARTBEAT_SECONDS,
    HealthReport,
    Runtime,
    database_checks,
    runtime_checks,
    status_path,
    write_status,
)
from bot.state import FerrymanApp, FerrymanContext

HEARTBEAT_JOB = "heartbeat"


def current_runtime(app: FerrymanApp) -> Runtime:
    state = app.bot_data.state
    mode = state.settings.telegram.mode if state else "starting"
    contact = app.bot_data.api_contact
    jobs: list[tuple[str, datetime | None]] = []
    if app.job_queue is not None:
        for job in app.job_queue.jobs():
            if job.name == HEARTBEAT_JOB:
                continue
            jobs.append((job.name or "?", job.next_t))
    return Runtime(
        written_at=datetime.now(UTC),
        pid=os.getpid(),
        mode=mode,
        last_api_ok_at=contact.last_ok_at,
        last_api_failure=contact.last_failure,
        next_jobs=tuple(jobs),
    )


async def live_report(app: FerrymanApp) -> HealthReport:
    """The report of ``GET /healthz``, from the process's own connection and memory."""
    report = HealthReport()
    now = datetime.now(UTC)
    state = app.bot_data.state
    if state is None:
        report.add("bot", False, "starting or stopping")
        return report
    await database_checks(report, state.repos.db.conn, now)
    runtime_checks(report, current_runtime(app), now)
    return report


async def heartbeat(context: FerrymanContext) -> None:
    """Every HEARTBEAT_SECONDS: in webhook mode prove Telegram is reachable (a quiet night
    makes no other call), then rewrite the status file `ferryman health` reads."""
    state = context.state
    if state.settings.telegram.mode == "webhook":
        # A failure is noted by the request wrapper; the health report shows its age.
        with contextlib.suppress(TelegramError):
            await context.bot.get_webhook_info()
    app: FerrymanApp = context.application  # type: ignore[assignment]
    write_heartbeat(app)


def write_heartbeat(app: FerrymanApp) -> None:
    state = app.bot_data.state
    if state is not None:
        write_status(status_path(state.settings.storage.database), current_runtime(app))


def schedule_heartbeat(app: FerrymanApp) -> None:
    """The first status file is written by ``running()`` once serving; then every interval."""
    assert app.job_queue is not None
    for job in app.job_queue.get_jobs_by_name(HEARTBEAT_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(heartbeat, interval=HEARTBEAT_SECONDS, name=HEARTBEAT_JOB)
