"""The bot process killed with SIGKILL while it stores an admin's 4,000-row manifest.

The admin sends the manifest, presses Import, and the bot dies inside the import's transaction.
After the restart the import is there whole or not at all; the admin, seeing no "Imported",
sends the same file again and presses Import: every trip is there once, and SQLite finds the
database sound.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.domain.zones import zone
from botapi_emulator import CallRecord, EmulatedUser, Emulator
from tests.conftest import OWNER_ID
from tests.e2e.admin_helpers import settled
from tests.e2e.helpers import tap
from tests.reliability.conftest import FERRYMAN, BotProcess, database_checks
from tests.services.manifest_helpers import make_vin, row, to_csv

ROWS = 4_000


def _phone(n: int) -> str:
    return f"86139{n:08d}"


def _seed_drivers(database: Path) -> None:
    """4,000 registered drivers, as the office has after a season (written straight in)."""
    with closing(sqlite3.connect(database)) as db, db:
        db.executemany(
            "INSERT INTO drivers (telegram_id, name, phone, passport_expiry, created_at)"
            " VALUES (?, ?, ?, '2031-01-01', '2026-01-01T00:00:00+00:00')",
            [(1_000_000 + n, f"司机{n:04d}", _phone(n)) for n in range(ROWS)],
        )


def _manifest(day: date) -> bytes:
    rows = [
        row(day, f"+{_phone(n)}", make_vin(n), pickup_time=f"{7 + n % 4:02d}:{n * 7 % 60:02d}")
        for n in range(ROWS)
    ]
    return to_csv(rows).encode("utf-8")


def _trips(database: Path) -> Iterator[tuple[str, int]]:
    """Each VIN with the number of trips it has."""
    with closing(sqlite3.connect(database)) as db:
        yield from db.execute(
            "SELECT v.vin, count(*) FROM assignments a JOIN vehicles v ON v.id = a.vehicle_id"
            " GROUP BY v.vin"
        )


def _count(database: Path, sql: str) -> int:
    with closing(sqlite3.connect(database)) as db:
        (count,) = db.execute(sql).fetchone()
        return int(count)


async def _send_and_import(admin: EmulatedUser, data: bytes) -> str:
    """The admin sends the file and, if it is previewed, presses Import; the last word."""
    await admin.send_document(data, "manifest.csv", mime_type="text/csv")
    preview = await settled(await admin.next_message(30), within=60)
    if "✅ Import" not in preview.buttons:
        return preview.text or ""
    await tap(admin, preview, "✅ Import")
    return (await settled(preview, within=60, changed_from=preview.text)).text or ""


@pytest.mark.timeout(300)
async def test_an_import_killed_midway_is_there_once_after_the_admin_sends_it_again(
    live_emulator: Emulator, config_path: Path, bot_process: BotProcess
) -> None:
    database = config_path.parent / "ferryman.sqlite3"
    await asyncio.to_thread(
        subprocess.run,
        [str(FERRYMAN), "migrate", "--config", str(config_path)],
        check=True,
        capture_output=True,
    )
    _seed_drivers(database)
    # Three days ahead: no scheduled dispatch reaches these trips during the test.
    today = SystemClock().now().astimezone(zone("Asia/Shanghai")).date()
    data = _manifest(today + timedelta(days=3))
    admin = live_emulator.user("Li Wei", lang="en", started=True, user_id=OWNER_ID)
    await bot_process.start()

    await admin.send_document(data, "manifest.csv", mime_type="text/csv")
    preview = await settled(await admin.next_message(30), within=60)
    assert preview.text is not None and f"{ROWS} trips, {ROWS} drivers" in preview.text

    seen: list[CallRecord] = []

    def on_call(call: CallRecord) -> None:
        # "⏳ Importing…" goes out just before the transaction begins: arm the kill then.
        if not seen and str(call.params.get("text") or "").startswith("⏳ Importing"):
            seen.append(call)
            bot_process.kill_while_writing(database)

    live_emulator.watch(on_call)
    await tap(admin, preview, "✅ Import")
    for _ in range(1200):  # the kill, or the import done first (a failure: see below)
        if not bot_process.alive or (preview.text or "").startswith("✅"):
            break
        await asyncio.sleep(0.05)
    assert seen, live_emulator.describe_calls()
    assert bot_process.kills == 1, (preview.text, bot_process.output()[-2000:])

    # Whole or absent, never part: one transaction.
    trips = _count(database, "SELECT count(*) FROM assignments")
    assert trips in (0, ROWS), trips
    assert list(database_checks(database)) == []

    await bot_process.start()
    last_word = await _send_and_import(admin, data)
    assert last_word.startswith(f"✅ Imported {ROWS} trips") or (
        trips == ROWS and "Nothing was imported" in last_word
    ), last_word
    await bot_process.stop()

    vins = dict(_trips(database))
    assert set(vins) == {make_vin(n) for n in range(ROWS)}
    assert set(vins.values()) == {1}
    assert _count(database, "SELECT count(*) FROM events WHERE kind = 'created'") == ROWS
    assert _count(database, "SELECT count(*) FROM events WHERE kind = 'manifest_imported'") == 1
    assert list(database_checks(database)) == []
