"""The nightly backup job: archive, then keep only the newest ``[backup] keep`` archives."""

from __future__ import annotations

import asyncio
import logging
from datetime import time

from bot.backup import BackupError, create_backup, prune
from bot.state import AppState, FerrymanApp, FerrymanContext

log = logging.getLogger(__name__)

BACKUP_JOB = "nightly-backup"


async def nightly_backup(context: FerrymanContext) -> None:
    settings = context.state.settings
    try:
        # A worker thread with its own connection: handlers never wait behind the copy.
        result = await asyncio.to_thread(
            create_backup,
            settings.storage.database,
            settings.storage.media_dir,
            settings.backup.folder,
        )
    except (BackupError, OSError) as exc:
        log.error("nightly backup failed: %s", exc)
        return
    removed = await asyncio.to_thread(prune, settings.backup.folder, settings.backup.keep)
    log.info(
        "nightly backup %s (%d bytes, %d media files); %d old archive(s) removed",
        result.archive,
        result.size_bytes,
        result.media_files,
        len(removed),
    )


def schedule_backup(app: FerrymanApp, state: AppState) -> None:
    assert app.job_queue is not None
    for job in app.job_queue.get_jobs_by_name(BACKUP_JOB):
        job.schedule_removal()
    backup = state.settings.backup
    if backup.keep == 0:
        return
    at = time(backup.at.hour, backup.at.minute, tzinfo=state.settings.company.timezone)
    app.job_queue.run_daily(nightly_backup, time=at, name=BACKUP_JOB)
