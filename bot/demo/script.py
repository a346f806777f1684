"""A compressed day at Horgos: three drivers, three languages, one flagged delivery."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.config import Settings, parse_settings
from bot.demo.steps import assign, camera_photo, receive_assignment, register, state_of, tap
from bot.demo.transcript import Transcript
from bot.jobs import GROUP_DIGEST_JOB
from bot.notify import send_assignment
from bot.services.visa import driver_visa_status
from bot.timefmt import format_time
from botapi_emulator import ChatMessage, EmulatedUser, Emulator

log = logging.getLogger(__name__)

DEMO_SIGNING_KEY = "demo-only-signing-key-not-for-production"
PLACES: list[dict[str, Any]] = [
    {
        "code": "horgos-yard",
        "name": "Horgos Export Vehicle Yard",
        "kind": "yard",
        "latitude": 44.2140,
        "longitude": 80.4080,
        "address": "Horgos, Xinjiang, China",
    },
    {
        "code": "zharkent-lot",
        "name": "Zharkent delivery lot",
        "kind": "lot",
        "latitude": 44.1630,
        "longitude": 80.0020,
        "address": "Zharkent, Kazakhstan",
    },
    {
        "code": "almaty-lot",
        "name": "Almaty delivery lot",
        "kind": "lot",
        "latitude": 43.3000,
        "longitude": 76.9000,
        "address": "Almaty, Kazakhstan",
    },
]


@dataclass(frozen=True)
class DemoDriver:
    name: str
    language: str
    phone: str
    passport: str
    vin: str
    model: str
    destination: str
    delivered_at: tuple[float, float]  # where the driver shares the location


DRIVERS = (
    DemoDriver(
        "潘广德",
        "zh",
        "+8613800000001",
        "E12345678",
        "LGXCE4CB7R0000001",
        "BYD Song Plus DM-i",
        "zharkent-lot",
        (44.1641, 80.0031),
    ),
    DemoDriver(
        "Иван Петров",
        "ru",
        "+77010000002",
        "N7654321",
        "LRWYGCEK2PC000002",
        "Tesla Model Y",
        "zharkent-lot",
        (44.1630, 80.1530),
    ),  # 12 km out: flagged
    DemoDriver(
        "Aidar Bekov",
        "en",
        "+77010000003",
        "N1122334",
        "LSVAX60E1P2000003",
        "Geely Monjaro",
        "almaty-lot",
        (43.3004, 76.9006),
    ),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def demo_settings(out: Path, emulator: Emulator, owner_id: int, group_id: int) -> Settings:
    data: dict[str, Any] = {
        "telegram": {
            "token": emulator.token,
            "api_base_url": emulator.api_base_url,
            "api_file_url": emulator.api_file_url,
        },
        "company": {
            "name": "Horgos Auto Export (demo)",
            "timezone": "Asia/Shanghai",
            "owners": [owner_id],
            "group_chat_id": group_id,
        },
        "storage": {"database": "ferryman-demo.sqlite3", "media_dir": "media"},
        "clearance": {"active_key_id": "demo", "keys": {"demo": DEMO_SIGNING_KEY}},
        "places": PLACES,
    }
    return parse_settings(data, str(out / "config.toml"), env={})


def _fresh_output(out: Path) -> None:
    """A re-run starts a new day: the previous demo database goes, other files are replaced."""
    out.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (out / f"ferryman-demo.sqlite3{suffix}").unlink(missing_ok=True)


async def play_day(out: Path, *, telegram_limits: bool = True) -> Path:
    """Plays the day; returns the transcript path. Everything is written under ``out``.

    ``telegram_limits`` keeps Telegram's flood control on, as in production (the bot waits
    out 429s); tests switch it off to run fast.
    """
    await asyncio.to_thread(_fresh_output, out)
    zone = ZoneInfo("Asia/Shanghai")
    zone_day = datetime.now(zone).date()
    clock = FixedClock(datetime.combine(zone_day, time(6, 0), zone))
    emulator = Emulator(clock=clock.now, flood=telegram_limits)
    await emulator.start(port=_free_port())
    try:
        owner = emulator.user("Li Wei", lang="zh", started=True)
        group = emulator.group("Horgos dispatch", members=[owner])
        settings = demo_settings(out, emulator, owner.id, group.id)
        app = build_application(settings, clock)
        transcript = Transcript(clock, zone)
        async with running(app, settings, clock):
            await _day(app, emulator, owner, group, clock, transcript, out)
        title = f"Ferryman demo day, {zone_day.isoformat()}"
        await asyncio.to_thread(transcript.write, out / "transcript.md", title)
    finally:
        await emulator.stop()
    return out / "transcript.md"


async def _day(
    app: Any,
    emulator: Emulator,
    owner: EmulatedUser,
    group: Any,
    clock: FixedClock,
    transcript: Transcript,
    out: Path,
) -> None:
    state = state_of(app)
    people: list[tuple[DemoDriver, EmulatedUser]] = []
    transcript.heading("06:00 Onboarding: the dispatcher invites three drivers")
    for demo in DRIVERS:
        user = emulator.user(demo.name, lang=demo.language, phone=demo.phone)
        await register(owner, user, name=demo.name, passport=demo.passport, language=demo.language)
        transcript.action(user, f"opens the invitation link and registers ({demo.language})")
        await transcript.collect(owner, user)
        people.append((demo, user))

    transcript.heading("06:30 Dispatch: each driver gets the assignment with the clearance QR")
    clock.advance(timedelta(minutes=30))
    qr_dir = out / "qr"
    qr_dir.mkdir(exist_ok=True)
    messages: dict[int, ChatMessage] = {}
    for demo, user in people:
        driver = await state.repos.drivers.by_telegram_id(user.id)
        assert driver is not None
        assignment = await assign(
            app,
            driver,
            vin=demo.vin,
            service_date=clock.now().date(),
            now=clock.now(),
            destination=demo.destination,
            model=demo.model,
        )
        await send_assignment(app.bot, state, assignment.id)
        photo, _, _ = await receive_assignment(user)
        (qr_dir / f"{demo.vin}.png").write_bytes(photo.file_bytes())
        messages[user.id] = photo
        await transcript.collect(user)

    steps = (
        (timedelta(minutes=40), "07:10 Drivers accept"),
        (timedelta(minutes=80), "08:30 Cars picked up at the Horgos yard"),
        (timedelta(minutes=105), "10:15 Through the gate: clearance by QR, border crossed"),
    )
    for delta, title in steps:
        clock.advance(delta)
        transcript.heading(title)
        for _, user in people:
            label = messages[user.id].buttons[0]
            toast = await tap(user, messages[user.id], label)
            transcript.action(user, f"presses [{label}] and sees “{toast.get('text') or ''}”")
            await transcript.collect(user)

    transcript.heading("11:00 A problem on the road")
    clock.advance(timedelta(minutes=45))
    demo, aidar = people[2]
    await tap(aidar, messages[aidar.id], messages[aidar.id].buttons[1])
    await aidar.next_message()
    await aidar.send("Flat tyre 20 km after Zharkent, waiting for the service van.")
    added = await aidar.next_message()
    await tap(aidar, added, added.buttons[0])  # ✅ Send
    await aidar.next_message()
    transcript.action(aidar, "reports a flat tyre")
    await group.next_message()
    await transcript.collect(aidar, owner, group)

    transcript.heading("13:40 Delivery: photo checklist and location")
    clock.advance(timedelta(minutes=160))
    for demo, user in people:
        photo = messages[user.id]
        await tap(user, photo, photo.buttons[0])
        transcript.action(user, f"presses [{photo.buttons[0] if photo.buttons else 'delivered'}]")
        for shot, _ in enumerate(state.settings.delivery.photo_checklist):
            await user.next_message()
            # Every proof photo is its own picture: a reused one would be refused.
            await user.send_photo(camera_photo(user.id * 10 + shot, 1280, 960))
            transcript.action(user, "sends a photo")
        prompt = await user.next_message()
        await user.press(prompt, prompt.keyboard[0][0]["text"], location=demo.delivered_at)
        await user.next_message()
        transcript.action(user, "shares the location")
        await transcript.collect(user, owner, group)

    transcript.heading("14:00 The dispatch group's digest")
    clock.advance(timedelta(minutes=20))
    assert app.job_queue is not None
    for job in app.job_queue.get_jobs_by_name(GROUP_DIGEST_JOB):
        await job.run(app)  # the demo's clock is compressed; the job would run every 10 min
    await group.next_message()
    await transcript.collect(group)

    transcript.heading("18:00 Back in China")
    clock.advance(timedelta(hours=4))
    for demo, user in people[:1]:
        photo = messages[user.id]
        await tap(user, photo, photo.buttons[0])
        transcript.action(user, f"presses [{photo.buttons[0] if photo.buttons else 'back'}]")
        await user.send("/me")
        await user.next_message()
        transcript.action(user, "asks /me")
        await transcript.collect(user)
        driver = await state.repos.drivers.by_telegram_id(user.id)
        assert driver is not None
        visa = await driver_visa_status(state.repos, driver.id, clock.now())
        log.info("%s used %d visa-free days in 180", demo.name, visa.window_days)
    await _write_summary(state, out, clock)


async def _write_summary(state: Any, out: Path, clock: FixedClock) -> None:
    zone = state.settings.company.timezone
    lines = [f"# Audit trail, {format_time(clock.now(), zone)}", ""]
    for assignment in await state.repos.assignments.for_day(clock.now().astimezone(zone).date()):
        lines.append(f"## Assignment #{assignment.id}: {assignment.status.value}")
        for event in await state.repos.events.for_assignment(assignment.id):
            payload = f" {event.payload}" if event.payload else ""
            lines.append(f"- {format_time(event.recorded_at, zone)} {event.kind}{payload}")
        lines.append("")
    (out / "audit.md").write_text("\n".join(lines), encoding="utf-8")
