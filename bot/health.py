"""Is Ferryman well? Database, schema, scheduler, outbox backlog, and the Bot API's last answer.

Two readers of the same checks:

- ``GET /healthz`` (webhook mode) asks the running process, from memory;
- ``ferryman health`` (any mode) runs in its own process: it opens the database itself and
  reads the *status file* the running bot rewrites every :data:`HEARTBEAT_SECONDS` (next
  jobs, last Bot API answer). A missing or stale status file means the bot is not running.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from storage.codec import dt_to_db
from storage.migrations import LATEST_VERSION

HEARTBEAT_SECONDS = 30
# The status file is stale after missing this many heartbeats: the bot is stuck or stopped.
STALE_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * 4)
# Polling asks Telegram every few seconds and webhook mode pings it every heartbeat, so this
# long without a successful Bot API call means Telegram is out of reach.
API_SILENCE_LIMIT = timedelta(minutes=5)
# A bulk dispatch of 4,000 drivers takes a few minutes at Telegram's pace; a message still
# unsent after this long is stuck.
OUTBOX_AGE_LIMIT = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(slots=True)
class HealthReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks},
        }

    def as_text(self) -> str:
        lines = [f"{'healthy' if self.healthy else 'UNHEALTHY'}"]
        lines += [f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in self.checks]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What only the running process knows, as written to the status file."""

    written_at: datetime
    pid: int
    mode: str
    last_api_ok_at: datetime | None
    last_api_failure: str
    next_jobs: tuple[tuple[str, datetime | None], ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "written_at": self.written_at.isoformat(),
                "pid": self.pid,
                "mode": self.mode,
                "last_api_ok_at": self.last_api_ok_at.isoformat() if self.last_api_ok_at else None,
                "last_api_failure": self.last_api_failure,
                "next_jobs": [[n, t.isoformat() if t else None] for n, t in self.next_jobs],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Runtime:
        data = json.loads(text)
        when = data.get("last_api_ok_at")
        return cls(
            written_at=datetime.fromisoformat(data["written_at"]),
            pid=int(data["pid"]),
            mode=str(data["mode"]),
            last_api_ok_at=datetime.fromisoformat(when) if when else None,
            last_api_failure=str(data.get("last_api_failure", "")),
            next_jobs=tuple(
                (str(n), datetime.fromisoformat(t) if t else None) for n, t in data["next_jobs"]
            ),
        )


def status_path(database: Path) -> Path:
    """The status file lives next to the database (the same volume in a container)."""
    return database.with_name(database.name + ".status.json")


def write_status(path: Path, runtime: Runtime) -> None:
    """Atomically: a reader never sees half a file."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(runtime.to_json(), encoding="utf-8")
    tmp.replace(path)


async def database_checks(report: HealthReport, conn: aiosqlite.Connection, now: datetime) -> None:
    """Reachable, at the schema this code expects, and the outbox backlog (once it exists)."""
    try:
        async with conn.execute("SELECT MAX(version) FROM schema_migrations") as cursor:
            row = await cursor.fetchone()
    except sqlite3.Error as exc:
        report.add("database", False, f"not readable: {exc}")
        return
    report.add("database", True, "reachable")
    version = int(row[0]) if row and row[0] is not None else 0
    report.add(
        "schema",
        version == LATEST_VERSION,
        f"version {version}"
        + ("" if version == LATEST_VERSION else f", this Ferryman expects {LATEST_VERSION}"),
    )
    async with conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
    ) as cursor:
        has_outbox = await cursor.fetchone() is not None
    if not has_outbox:
        return
    # Due since: its creation, or its not_before for a message held back until then.
    async with conn.execute(
        "SELECT COUNT(*), MIN(CASE WHEN not_before IS NULL THEN created_at END),"
        " MIN(not_before) FROM outbox WHERE status IN ('pending', 'sending')"
        " AND (not_before IS NULL OR not_before <= ?)",
        (dt_to_db(now),),
    ) as cursor:
        count_row = await cursor.fetchone()
    count = int(count_row[0]) if count_row else 0
    since = [_parse_time(raw) for raw in (count_row or ())[1:] if raw]
    oldest = min(since) if since else None
    age = now - oldest if oldest else timedelta(0)
    report.add(
        "outbox",
        age <= OUTBOX_AGE_LIMIT,
        f"{count} message(s) due"
        + (f", oldest waiting {_duration(age)}" if count else "")
        + ("" if age <= OUTBOX_AGE_LIMIT else f" (limit {_duration(OUTBOX_AGE_LIMIT)})"),
    )


def runtime_checks(report: HealthReport, runtime: Runtime | None, now: datetime) -> None:
    if runtime is None:
        report.add("bot", False, "not running (no status file)")
        return
    silence = now - runtime.written_at
    if silence > STALE_AFTER:
        report.add(
            "bot",
            False,
            f"not running: last heartbeat {_duration(silence)} ago (pid {runtime.pid})",
        )
        return
    report.add("bot", True, f"running ({runtime.mode}, pid {runtime.pid})")
    if runtime.last_api_ok_at is None:
        report.add("bot_api", False, f"no successful call yet ({runtime.last_api_failure or '-'})")
    else:
        age = now - runtime.last_api_ok_at
        ok = age <= API_SILENCE_LIMIT
        detail = f"last successful call {_duration(age)} ago"
        if not ok and runtime.last_api_failure:
            detail += f"; last failure: {runtime.last_api_failure}"
        report.add("bot_api", ok, detail)
    report.add("scheduler", True, _jobs(runtime.next_jobs, now))


def _jobs(jobs: Iterable[tuple[str, datetime | None]], now: datetime) -> str:
    parts = [
        f"{name} at {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC (in {_duration(when - now)})"
        if when
        else f"{name} (paused)"
        for name, when in sorted(jobs, key=lambda j: j[1] or datetime.max.replace(tzinfo=UTC))
    ]
    return "next: " + "; ".join(parts) if parts else "no jobs scheduled"


def _duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _parse_time(raw: str) -> datetime:
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_status(path: Path) -> Runtime | None:
    try:
        return Runtime.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None


async def offline_report(database: Path, now: datetime | None = None) -> HealthReport:
    """`ferryman health`: open the database read-only, read the running bot's status file."""
    now = now or datetime.now(UTC)
    report = HealthReport()
    if not await asyncio.to_thread(database.exists):
        report.add("database", False, f"{database} does not exist")
        return report
    # Read-only: a health check must never create, migrate or lock the database.
    uri = (await asyncio.to_thread(database.resolve)).as_uri() + "?mode=ro"
    try:
        conn = await aiosqlite.connect(uri, uri=True)
    except sqlite3.Error as exc:
        report.add("database", False, f"cannot open: {exc}")
        return report
    try:
        await database_checks(report, conn, now)
    finally:
        await conn.close()
    runtime_checks(report, await asyncio.to_thread(read_status, status_path(database)), now)
    return report
