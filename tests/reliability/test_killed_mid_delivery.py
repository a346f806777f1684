"""The bot process killed with SIGKILL in the middle of a delivery checklist, then restarted.

A driver whose message got no answer sends it again, as anyone would; the delivery still ends
with one photo per checklist item, one location, each step recorded once, and a database that
SQLite finds sound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.app import build_application, running
from bot.clock import SystemClock
from bot.config import load_settings
from bot.demo.steps import camera_photo
from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import ProofKind
from botapi_emulator import CallRecord, ChatMessage, EmulatedUser, Emulator
from storage.db import Database
from storage.repositories import Repositories
from tests.conftest import OWNER_ID
from tests.e2e.helpers import assign, dispatch, receive_assignment, register, state_of, tap
from tests.reliability.conftest import BotProcess, database_checks

VIN = "LGXCE4CB7R0000001"
AT_THE_LOT = (44.1631, 80.0021)
# Three different scenes: flat colours would all look alike to the near-copy check.
PHOTOS = [camera_photo(n) for n in (1, 2, 3)]


def _to(user: EmulatedUser, starts: str) -> Callable[[CallRecord], bool]:
    def matches(call: CallRecord) -> bool:
        text = str(call.params.get("text") or "")
        return int(call.params.get("chat_id") or 0) == user.id and text.startswith(starts)

    return matches


async def _ready_to_deliver(emulator: Emulator, config: Path) -> tuple[EmulatedUser, ChatMessage]:
    """In-process: the driver registers, gets the trip, and starts the delivery."""
    owner = emulator.user("Li Wei", lang="en", started=True, user_id=OWNER_ID)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    settings, clock = load_settings(config, env={}), SystemClock()
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
        driver = await state_of(app).repos.drivers.by_telegram_id(pan.id)
        assert driver is not None
        now = clock.now()
        trip = await assign(
            app,
            driver,
            vin=VIN,
            service_date=now.astimezone(settings.company.timezone).date(),
            now=now,
        )
        await dispatch(app, trip)
        photo, _, _ = await receive_assignment(pan)
        for _ in range(4):  # accept, picked up, crossed, delivered
            await tap(pan, photo, photo.buttons[0])
        assert "Photo 1 of 3" in ((await pan.next_message()).text or "")
    return pan, photo


async def _send_photo_until_answered(driver: EmulatedUser, bot: BotProcess, data: bytes) -> str:
    """Send; if the bot died meanwhile, restart it and, if no answer comes, send it again."""
    await driver.send_photo(data)
    reply = await bot.reply_or_death(driver)
    if reply is not None and bot.alive:
        return reply
    await bot.start()
    if reply is not None:  # answered just before it died
        return reply
    # Taken but unconfirmed, the update comes again after the restart; if it never does,
    # the driver, hearing nothing, sends the photo again.
    try:
        return (await driver.next_message(15.0)).text or ""
    except TimeoutError:
        await driver.send_photo(data)
        return (await driver.next_message(30.0)).text or ""


async def test_a_delivery_survives_sigkill_three_times_over(
    live_emulator: Emulator, config_path: Path, bot_process: BotProcess
) -> None:
    pan, trip_message = await _ready_to_deliver(live_emulator, config_path)
    await bot_process.start()
    await pan.send_photo(PHOTOS[0])
    assert "Photo 2 of 3" in ((await pan.next_message(30)).text or "")

    # Killed while downloading photo 2: the update was taken but never finished.
    bot_process.kill_when("getFile")
    reply = await _send_photo_until_answered(pan, bot_process, PHOTOS[1])
    if "already filed" in reply:  # stored before the kill: ask what is next
        await pan.send("?")
        reply = (await pan.next_message(30)).text or ""
    assert "Photo 3 of 3" in reply, reply

    # Killed while telling the driver photo 3 is in: stored, but the bot never heard back.
    bot_process.kill_when("sendMessage", _to(pan, "Photos received"))
    reply = await _send_photo_until_answered(pan, bot_process, PHOTOS[2])
    assert "location" in reply, reply

    # Killed while confirming the delivery.
    bot_process.kill_when("sendMessage", _to(pan, "✅"))
    prompt = pan.last_message
    assert prompt is not None and prompt.keyboard
    await pan.press(prompt, prompt.keyboard[0][0]["text"], location=AT_THE_LOT)
    done = await bot_process.reply_or_death(pan)
    if not bot_process.alive:
        await bot_process.start()
    if done is None:
        await pan.send("/today")
        done = (await pan.next_message(30)).text or ""
    await bot_process.stop()
    assert (bot_process.starts, bot_process.kills) == (4, 3)
    assert done.startswith("✅") or "Delivered" in done or "delivered" in done, done

    database = config_path.parent / "ferryman.sqlite3"
    assert list(database_checks(database)) == []
    db = await Database.open(database)
    try:
        repos = Repositories.build(db)
        driver = await repos.drivers.by_telegram_id(pan.id)
        assert driver is not None
        (assignment,) = await repos.assignments.for_driver(driver.id)
        assert assignment.status is Status.DELIVERED
        proofs = await repos.proofs.for_assignment(assignment.id)
        photos = [p.checklist_item for p in proofs if p.kind is ProofKind.PHOTO]
        assert Counter(photos) == Counter(["vin_plate", "dashboard", "car_at_lot"])
        assert len([p for p in proofs if p.kind is ProofKind.LOCATION]) == 1
        kinds = Counter(e.kind for e in await repos.events.for_assignment(assignment.id))
        assert kinds[EventKind.PROOF_PHOTO] == 3
        assert kinds[EventKind.DELIVER] == 1
        assert all(count == 1 for kind, count in kinds.items() if kind != EventKind.PROOF_PHOTO)
    finally:
        await db.close()
    # The button under the first assignment message still works after all of it.
    assert trip_message.buttons
