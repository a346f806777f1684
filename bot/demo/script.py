"""A compressed day at Horgos: three drivers, three languages, one flagged delivery."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import socket
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.config import Settings, parse_settings
from bot.demo.steps import camera_photo, register, state_of, tap
from bot.demo.transcript import Transcript
from bot.jobs import DAILY_SUMMARY_JOB, GROUP_DIGEST_JOB
from bot.services.manifest import COLUMNS
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


def _manifest_row(
    day: date, demo: DemoDriver, *, vin: str | None = None, phone: str | None = None
) -> list[str]:
    values = {
        "date": day.isoformat(),
        "driver_phone": phone or demo.phone,
        "vin": vin or demo.vin,
        "model": demo.model,
        "color": "white",
        "pickup": "horgos-yard",
        "destination": demo.destination,
        "pickup_time": "08:30",
        "deliver_by": f"{day.isoformat()} 18:00",
        "clearance_code": "",
        "receiver_name": "Aibek Nurlanov",
        "receiver_phone": "+77010000001",
        "notes": "",
    }
    return [values[column] for column in COLUMNS]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def _settled(
    message: ChatMessage, within: float = 30.0, *, changed_from: str | None = None
) -> ChatMessage:
    """The message once the bot has edited its progress (⏳) into the result."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (message.text or "").startswith("⏳") or (
        changed_from is not None and message.text == changed_from
    ):
        if loop.time() > deadline:
            raise TimeoutError(f"still in progress: {message.text!r}")
        await asyncio.sleep(0.05)
    return message


async def _reply_naming(person: EmulatedUser, needle: str) -> ChatMessage:
    """The bot's next message to ``person`` that mentions ``needle`` (notices may come first)."""
    for _ in range(20):
        message = await person.next_message(30.0)
        if needle in (message.text or ""):
            return message
    raise AssertionError(f"no message about {needle!r} arrived")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


GUARD_ID = 900_000_077  # the checkpoint officer, listed in [clearance] checkpoint_users


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
        "clearance": {
            "active_key_id": "demo",
            "keys": {"demo": DEMO_SIGNING_KEY},
            "checkpoint_users": [GUARD_ID],
        },
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

    transcript.heading("06:20 The manifest: two bad rows refused and named, then imported")
    clock.advance(timedelta(minutes=20))
    await transcript.collect(owner)  # the notices of the registrations come first
    owner.inbox.skip_all()
    day = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    good = [_manifest_row(day, demo) for demo in DRIVERS]
    bad = [
        *good,
        _manifest_row(day, DRIVERS[0], vin="LGXCE4CB0R0000009"),  # the check digit is wrong
        _manifest_row(day, DRIVERS[1], phone="+77019990000", vin="LSVAX60E3P2000004"),
    ]
    for name, rows in (("manifest-with-errors.csv", bad), ("manifest.csv", good)):
        data = _csv(rows)
        (out / name).write_bytes(data)
        await owner.send_document(data, name, mime_type="text/csv")
        transcript.action(owner, f"sends the manifest `{name}` ({len(rows)} rows)")
        reply = await _settled(await _reply_naming(owner, name))
        if name == "manifest.csv":
            await transcript.collect(owner)
            await tap(owner, reply, reply.buttons[0])
            transcript.action(
                owner, f"presses [{reply.buttons[0] if reply.buttons else 'Import'}]"
            )
            await _settled(reply, changed_from=reply.text)
        await transcript.collect(owner)

    transcript.heading("06:30 Dispatch: each driver gets the assignment with the clearance QR")
    clock.advance(timedelta(minutes=10))
    qr_dir = out / "qr"
    qr_dir.mkdir(exist_ok=True)
    messages: dict[int, ChatMessage] = {}
    await owner.send("/dispatch")
    transcript.action(owner, "sends /dispatch")
    for demo, user in people:
        photo = await user.next_message(30.0)  # the QR; the map pins come with the acceptance
        (qr_dir / f"{demo.vin}.png").write_bytes(photo.file_bytes())
        messages[user.id] = photo
    await transcript.collect(owner, *(user for _, user in people))

    steps = (
        (timedelta(minutes=40), "07:10 Drivers accept"),
        (timedelta(minutes=80), "08:30 Cars picked up at the Horgos yard"),
        (timedelta(minutes=105), "10:15 Through the gate: clearance by QR, border crossed"),
    )
    for delta, title in steps:
        clock.advance(delta)
        transcript.heading(title)
        if "gate" in title:
            await _at_the_gate(emulator, people[0][1], messages[people[0][1].id], transcript)
        for _, user in people:
            label = messages[user.id].buttons[0]
            toast = await tap(user, messages[user.id], label)
            transcript.action(user, f"presses [{label}] and sees “{toast.get('text') or ''}”")
            await transcript.collect(user)

    transcript.heading("11:00 A problem on the road")
    clock.advance(timedelta(minutes=45))
    demo, aidar = people[2]
    aidar.inbox.skip_all()  # the transcript has what came before
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
        user.inbox.skip_all()
        label = photo.buttons[0]
        await tap(user, photo, label)
        transcript.action(user, f"presses [{label}]")
        await user.next_message()  # photo 1 of 3
        await transcript.collect(user)
        shots = [camera_photo(user.id * 10 + n, 1280, 960) for n in range(3)]
        for shot, _ in enumerate(state.settings.delivery.photo_checklist):
            if shot == 1 and demo is DRIVERS[2]:
                # The same picture again, as if to save a trip back to the car: refused.
                await user.send_photo(shots[0])
                transcript.action(user, "sends the first photo again")
                await user.next_message()
                await transcript.collect(user)
            # Every proof photo is its own picture.
            await user.send_photo(shots[shot])
            transcript.action(user, f"sends photo {shot + 1}")
            await user.next_message()
            await transcript.collect(user)
        prompt = user.last_message
        assert prompt is not None
        await user.press(prompt, prompt.keyboard[0][0]["text"], location=demo.delivered_at)
        transcript.action(user, f"shares the location {demo.delivered_at}")
        await user.next_message()
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
    transcript.heading("21:00 The day in one message, the board, the export and tomorrow's sheet")
    clock.advance(timedelta(hours=3))
    await _office_end_of_day(app, owner, group, transcript, out)
    names = {owner.id: owner.name, GUARD_ID: "Serik Ospanov"}
    names.update({user.id: user.name for _, user in people})
    await _write_summary(state, out, clock, names)


async def _at_the_gate(
    emulator: Emulator, driver: EmulatedUser, trip: ChatMessage, transcript: Transcript
) -> None:
    """The officer photographs the driver's QR (✅), then checks a forged code (❌)."""
    guard = emulator.user("Serik Ospanov", lang="ru", started=True, user_id=GUARD_ID)
    await guard.send_photo(trip.file_bytes(), caption="/verify")
    transcript.action(guard, f"photographs {driver.name}'s QR and sends it captioned /verify")
    await guard.next_message(30.0)
    await transcript.collect(guard)
    # Shaped like a Ferryman code for the same car, but signed by nobody.
    forged = "FM1.demo.1.LGXCE4CB7R0000001.20260101.202601011800.FORGEDSIGNATUREAAAAAAAAAAAA"
    await guard.send(f"/verify {forged}")
    transcript.action(guard, f"types /verify {forged}")
    await guard.next_message(30.0)
    await transcript.collect(guard)


async def _office_end_of_day(
    app: Any, owner: EmulatedUser, group: Any, transcript: Transcript, out: Path
) -> None:
    """The daily summary from the scheduler; /board, /export and /qrsheet from the admin."""
    assert app.job_queue is not None
    for job in app.job_queue.get_jobs_by_name(DAILY_SUMMARY_JOB):
        await job.run(app)
    await transcript.collect(group)
    owner.inbox.skip_all()
    for command, count, names in (
        ("/board", 2, ("board.txt", "board.png")),
        ("/export", 2, (None, None)),
        ("/qrsheet", 1, (None,)),
    ):
        await owner.send(command)
        transcript.action(owner, f"sends {command}")
        replies = [await owner.next_message(60.0) for _ in range(count)]
        for reply, name in zip(replies, names, strict=True):
            if reply.photo or reply.document:
                document = reply.document or {}
                filename = name or str(document.get("file_name") or f"{command[1:]}.bin")
                (out / filename).write_bytes(await reply.download())
            elif name is not None:
                (out / name).write_text(reply.text or "", encoding="utf-8")
        await transcript.collect(owner)


async def _write_summary(state: Any, out: Path, clock: FixedClock, names: dict[int, str]) -> None:
    """Every assignment's events in order, each with who did it (the audit trail)."""
    zone = state.settings.company.timezone
    lines = [f"# Audit trail, {format_time(clock.now(), zone)}", ""]
    for assignment in await state.repos.assignments.for_day(clock.now().astimezone(zone).date()):
        lines.append(f"## Assignment #{assignment.id}: {assignment.status.value}")
        for event in await state.repos.events.for_assignment(assignment.id):
            payload = f" {event.payload}" if event.payload else ""
            actor = event.actor_telegram_id
            who = "Ferryman" if actor is None else names.get(actor, f"Telegram user {actor}")
            when = format_time(event.recorded_at, zone)
            lines.append(f"- {when} {event.kind} by {who}{payload}")
        lines.append("")
    (out / "audit.md").write_text("\n".join(lines), encoding="utf-8")
