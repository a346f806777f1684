"""Health: `ferryman health` (any mode) and `GET /healthz` (webhook mode), healthy and not."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import cli
from bot.health import Runtime, offline_report, read_status, status_path, write_status
from bot.state import FerrymanApp
from botapi_emulator import Emulator
from storage.migrations import LATEST_VERSION
from tests.conftest import StartFerryman
from tests.e2e.helpers import state_of


async def wait_for_status(database: Path) -> Runtime:
    for _ in range(400):
        runtime = read_status(status_path(database))
        if runtime is not None:
            return runtime
        await asyncio.sleep(0.05)
    raise AssertionError("the running bot never wrote its status file")


def config_for(database: Path) -> Path:
    path = database.parent / "health.toml"
    path.write_text(f'[storage]\ndatabase = "{database}"\n', encoding="utf-8")
    return path


def health_cli(monkeypatch: pytest.MonkeyPatch, database: Path, *extra: str) -> int:
    monkeypatch.setattr(cli, "_EXTRA_COMMANDS", [])
    return cli.main(["health", "--config", str(config_for(database)), *extra])


async def test_a_running_bot_is_healthy(
    emulator: Emulator,
    start_ferryman: StartFerryman,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = await start_ferryman()
    database = state_of(app).settings.storage.database
    await wait_for_status(database)
    # The Bot API has answered (getMe, getUpdates) by now.
    code = await asyncio.to_thread(health_cli, monkeypatch, database)
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("healthy")
    assert "ok   database: reachable" in out
    assert f"ok   schema: version {LATEST_VERSION}" in out
    assert "ok   bot: running (polling" in out
    assert "ok   bot_api: last successful call" in out
    assert "ok   scheduler: next: " in out and "group-digest at " in out


async def test_a_stopped_bot_is_unhealthy(tmp_path: Path, start_ferryman: StartFerryman) -> None:
    app = await start_ferryman()
    database = state_of(app).settings.storage.database
    runtime = await wait_for_status(database)
    # What a status file looks like after the process died five minutes ago.
    write_status(
        status_path(database),
        dataclasses.replace(runtime, written_at=runtime.written_at - timedelta(minutes=5)),
    )
    report = await offline_report(database)
    assert not report.healthy
    assert "FAIL bot: not running: last heartbeat 5 min ago" in report.as_text()


def test_no_status_file_and_an_old_schema_are_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "ferryman.sqlite3"
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER, name TEXT)")
        conn.execute("INSERT INTO schema_migrations VALUES (1, 'core schema')")
    assert health_cli(monkeypatch, database) == 1
    out = capsys.readouterr().out
    assert out.startswith("UNHEALTHY")
    assert f"FAIL schema: version 1, this Ferryman expects {LATEST_VERSION}" in out
    assert "FAIL bot: not running (no status file)" in out


def test_no_database_is_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert health_cli(monkeypatch, tmp_path / "missing.sqlite3", "--json") == 1
    assert '"healthy": false' in capsys.readouterr().out
    assert not (tmp_path / "missing.sqlite3").exists()  # a health check creates nothing


async def test_silence_from_the_bot_api_is_unhealthy(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    database = tmp_path / "ferryman.sqlite3"
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER, name TEXT)")
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'x')", (LATEST_VERSION,))
    write_status(
        status_path(database),
        Runtime(
            written_at=now,
            pid=1,
            mode="polling",
            last_api_ok_at=now - timedelta(minutes=20),
            last_api_failure="ConnectError: All connection attempts failed",
            next_jobs=(),
        ),
    )
    text = (await offline_report(database, now)).as_text()
    assert "FAIL bot_api: last successful call 20 min ago; last failure: ConnectError" in text


async def healthz(app: FerrymanApp) -> tuple[int, dict[str, object]]:
    url = state_of(app).settings.telegram.webhook_url.rsplit("/", 1)[0] + "/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def test_healthz_in_webhook_mode(emulator: Emulator, start_ferryman: StartFerryman) -> None:
    app = await start_ferryman(mode="webhook")
    await app.bot.get_me()  # a Bot API call has succeeded
    status, body = await healthz(app)
    assert status == 200
    assert body["healthy"] is True
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert set(checks) >= {"database", "schema", "bot", "bot_api", "scheduler"}

    # Telegram silent for ten minutes: 503, and the report says which check failed.
    app.bot_data.api_contact.last_ok_monotonic = time.monotonic() - 600
    app.bot_data.api_contact.last_ok_at = datetime.now(UTC) - timedelta(minutes=10)
    status, body = await healthz(app)
    assert status == 503
    assert body["healthy"] is False
    assert body["checks"]["bot_api"]["ok"] is False  # type: ignore[index]


async def test_the_outbox_backlog_is_reported(tmp_path: Path) -> None:
    from storage.db import Database

    now = datetime.now(UTC)
    database = tmp_path / "ferryman.sqlite3"
    db = await Database.open(database)
    created = (now - timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    async with db.transaction() as conn:
        for key, created_at, not_before in (
            ("stuck", created, None),  # due for 45 minutes: stuck
            ("tomorrow", created, now + timedelta(hours=10)),  # held back: not counted
        ):
            await conn.execute(
                "INSERT INTO outbox (key, chat_id, method, priority, created_at, not_before)"
                " VALUES (?, 1, 'sendMessage', 3, ?, ?)",
                (key, created_at, not_before.isoformat() if not_before else None),
            )
    await db.close()
    text = (await offline_report(database, now)).as_text()
    assert "FAIL outbox: 1 message(s) due, oldest waiting 45 min (limit 30 min)" in text
