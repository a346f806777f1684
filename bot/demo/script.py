"""A day at Horgos, played by the real bot against the local Bot API emulator.

The afternoon before the service day the owner staffs the office and the dispatcher invites
twenty drivers and imports the manifest (bot.demo.office); the scheduler's evening dispatch
holds one driver back, the rest answer, one declines and the trip is reassigned, the night
passes, the morning re-send reaches who has not accepted (bot.demo.evening); the service day
on the road (bot.demo.road); the summary, the board, the exports and the audit trail
(bot.demo.close). Everything happens through the emulator, as people and the scheduler would
do it; the transcript records what each person saw (bot.demo.transcript).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.config import Settings, parse_settings
from bot.demo import close, evening, office, road
from bot.demo.cast import DRIVERS, OWNER_NAME, PLACES, cast_list
from bot.demo.clockwork import DemoScheduler
from bot.demo.day import ZONE, Day
from bot.demo.steps import state_of
from bot.demo.transcript import Transcript
from bot.outbox.budget import Budget
from botapi_emulator import Emulator

__all__ = ["DRIVERS", "play_day"]

log = logging.getLogger(__name__)

DEMO_SIGNING_KEY = "demo-only-signing-key-not-for-production"
INTRO = (
    "Played by the real bot against the local Bot API emulator with Telegram's flood control "
    "on. Lines in **bold** are what people typed and pressed; `Ferryman → someone` is what "
    "the bot sent to that person's chat (or the dispatch group), as their phone shows it. "
    "Times are the company's (Beijing time, UTC+8)."
)


def _unlimited() -> Budget:
    return Budget(
        per_second=100_000, chat_per_second=10_000.0, chat_burst=10_000, per_group=100_000
    )


def demo_settings(out: Path, emulator: Emulator, owner_id: int, group_id: int) -> Settings:
    data: dict[str, Any] = {
        "telegram": {
            "token": emulator.token,
            "api_base_url": emulator.api_base_url,
            "api_file_url": emulator.api_file_url,
        },
        "company": {
            "name": "Horgos Auto Export (demo)",
            "timezone": ZONE.key,
            "owners": [owner_id],
            "group_chat_id": group_id,
            "dispatcher_phone": "+8613900000009",
        },
        "storage": {"database": "ferryman-demo.sqlite3", "media_dir": "media"},
        "backup": {"keep": 0},
        "clearance": {"active_key_id": "demo", "keys": {"demo": DEMO_SIGNING_KEY}},
        "places": PLACES,
    }
    return parse_settings(data, str(out / "config.toml"), env={})


def _fresh_output(out: Path) -> None:
    """A re-run starts a new day: the previous demo database goes, other files are replaced."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "qr").mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (out / f"ferryman-demo.sqlite3{suffix}").unlink(missing_ok=True)
    for old in (*out.glob("ferryman-*.csv"), *out.glob("ferryman-*.xlsx"), *out.glob("*.pdf")):
        old.unlink()


async def play_day(out: Path, *, telegram_limits: bool = True) -> Path:
    """Plays the day; returns the transcript path. Everything is written under ``out``.

    ``telegram_limits`` keeps Telegram's flood control on, as in production (the bot paces
    its sends); tests switch it off to run fast.
    """
    await asyncio.to_thread(_fresh_output, out)
    # The afternoon before tomorrow's service day, Beijing time.
    service_day = datetime.combine(datetime.now(ZONE).date() + timedelta(days=1), time(), ZONE)
    clock = FixedClock(service_day - timedelta(hours=8))
    emulator = Emulator(clock=clock.now, flood=telegram_limits)
    await emulator.start()
    try:
        owner = emulator.user(OWNER_NAME, lang="zh", started=True)
        group = emulator.group("霍尔果斯调度群 · Horgos dispatch", members=[owner])
        settings = demo_settings(out, emulator, owner.id, group.id)
        # Without flood control (the test) the bot need not pace itself to Telegram's limits.
        budget = None if telegram_limits else _unlimited()
        app = build_application(settings, clock, budget)
        transcript = Transcript(clock, ZONE)
        transcript.watch(owner, group)
        async with running(app, settings, clock):
            state = state_of(app)
            day = Day(
                app=app,
                state=state,
                emulator=emulator,
                clock=clock,
                scheduler=DemoScheduler(app, state, clock),
                transcript=transcript,
                out=out,
                owner=owner,
                group=group,
                service_day=service_day,
            )
            transcript.start()
            try:
                await _play(day)
            finally:
                await transcript.stop()
            await close.write_audit(day, _names(day))
        title = f"Ferryman demo: a day at Horgos, {service_day.date().isoformat()}"
        intro = f"{INTRO}\n\n{cast_list()}"
        await asyncio.to_thread(transcript.write, out / "transcript.md", title, intro)
    finally:
        await emulator.stop()
    return out / "transcript.md"


async def _play(day: Day) -> None:
    await office.staff_the_office(day)
    await day.until(day.at(16, 10, day=-1))
    await office.invite_drivers(day)
    await day.until(day.at(17, 30, day=-1))
    await office.import_manifest(day)
    await day.until(day.at(18, 30, day=-1))
    await evening.border_history(day)
    await evening.evening_dispatch(day)
    await evening.morning_resend(day)
    await road.pick_up(day)
    await road.at_the_gate(day)
    await road.cross(day)
    await road.flat_tyre(day)
    await road.deliver(day)
    await road.back_in_china(day)
    await close.end_of_day(day)


def _names(day: Day) -> dict[int, str]:
    people = [day.owner, *day.drivers.values(), *day.receivers.values()]
    people += [p for p in (day.admin, day.guard) if p is not None]
    return {person.id: person.name for person in people}
