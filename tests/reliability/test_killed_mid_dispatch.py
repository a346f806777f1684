"""The bot process killed with SIGKILL halfway through a dispatch, then restarted.

The office imports a day of 120 trips with `ferryman import`, the admin sends `/dispatch`, and
once half the drivers have their QR photo the bot dies. Started again on the same database,
it sends the rest: every driver has the trip, only the one message in flight at the kill may
arrive twice, each trip is recorded as sent once, and SQLite finds the database sound.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections import Counter
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.domain.zones import zone
from botapi_emulator import CallRecord, Emulator
from tests.conftest import OWNER_ID
from tests.reliability.conftest import FERRYMAN, BotProcess, database_checks
from tests.services.manifest_helpers import make_vin, row, to_csv

DRIVERS = 120


def _phone(n: int) -> str:
    return f"86139{n:08d}"


async def _ferryman(*args: str) -> None:
    """A `ferryman` command an operator runs next to the bot."""
    done = await asyncio.to_thread(
        subprocess.run, [str(FERRYMAN), *args], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.timeout(180)
async def test_a_killed_dispatch_resumes_without_losing_or_doubling(
    live_emulator: Emulator, config_path: Path, bot_process: BotProcess
) -> None:
    database = config_path.parent / "ferryman.sqlite3"
    admin = live_emulator.user("Li Wei", lang="en", started=True, user_id=OWNER_ID)
    drivers = [live_emulator.user(f"Driver {n}", started=True) for n in range(DRIVERS)]
    await _ferryman("migrate", "--config", str(config_path))
    with closing(sqlite3.connect(database)) as db, db:
        db.executemany(
            "INSERT INTO drivers (telegram_id, name, phone, passport_expiry, language,"
            " created_at) VALUES (?, ?, ?, '2031-01-01', 'en', '2026-01-01T00:00:00+00:00')",
            [(user.id, user.name, _phone(n)) for n, user in enumerate(drivers)],
        )
    # Three days ahead: only the admin's /dispatch reaches these trips during the test.
    day = SystemClock().now().astimezone(zone("Asia/Shanghai")).date() + timedelta(days=3)
    manifest = config_path.with_name("manifest.csv")
    manifest.write_text(
        to_csv([row(day, _phone(n), make_vin(n)) for n in range(DRIVERS)]), encoding="utf-8"
    )
    await _ferryman("import", str(manifest), "--config", str(config_path))

    photos: Counter[int] = Counter()

    def on_call(call: CallRecord) -> None:
        if call.method.lower() == "sendphoto" and call.status == 200:
            photos[int(call.params["chat_id"])] += 1

    live_emulator.watch(on_call)
    bot_process.kill_when("sendPhoto", lambda _: sum(photos.values()) >= DRIVERS // 2)
    await bot_process.start()
    await admin.send(f"/dispatch {day.isoformat()}")
    for _ in range(1200):
        if not bot_process.alive:
            break
        await asyncio.sleep(0.05)
    assert bot_process.kills == 1
    at_kill = sum(photos.values())
    assert at_kill < DRIVERS  # the kill really was halfway
    assert list(database_checks(database)) == []

    await bot_process.start()  # the outbox carries on from where it was
    for _ in range(1200):
        if len(photos) == DRIVERS:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # a second copy, if one were coming, comes now
    await bot_process.stop()

    assert set(photos) == {user.id for user in drivers}  # nobody lost
    doubled = [chat for chat, count in photos.items() if count > 1]
    assert len(doubled) <= 1 and all(photos[chat] == 2 for chat in doubled), doubled
    assert list(database_checks(database)) == []
    with closing(sqlite3.connect(database)) as db:
        sent = Counter(
            assignment
            for (assignment,) in db.execute(
                "SELECT assignment_id FROM events WHERE kind IN ('send', 'resent')"
            )
        )
        statuses = dict(db.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
        trips = dict(db.execute("SELECT status, count(*) FROM assignments GROUP BY status"))
    assert len(sent) == DRIVERS and set(sent.values()) == {1}  # each trip recorded sent once
    assert set(statuses) == {"sent"}, statuses
    assert trips == {"sent": DRIVERS}, trips
