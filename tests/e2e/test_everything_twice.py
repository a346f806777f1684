"""A driver's whole day with every message sent twice and every button pressed twice (a
double tap, or a resend after no reply) leaves the database exactly as single sends do.

Two drivers live the same day side by side on one bot: Pan does everything once, Ivan does
everything twice in a row, each pair sent before the bot has answered the first. Their rows,
events, proofs and trips are then compared, ids and times aside.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.demo.steps import camera_photo
from bot.state import AppState, FerrymanApp
from botapi_emulator import ChatMessage, EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import assign, dispatch, invite, receive_assignment, state_of

LOT = (44.1630, 80.0020)
# Payload fields that differ between two drivers whatever happens: ids, cars, links, pictures.
_DIFFERENT_BY_NATURE = ("outbox_id", "invitation", "vin", "message_id", "sha256")


async def idle(app: FerrymanApp, emulator: Emulator) -> None:
    """Until the bot has taken every update and finished handling them (twice in a row, so an
    update between being fetched and being queued is not missed)."""
    quiet = 0
    while quiet < 3:
        await emulator.drained()
        busy = app.update_queue.qsize() or app.update_processor.current_concurrent_updates
        quiet = 0 if busy else quiet + 1
        await asyncio.sleep(0.02)


class Phone:
    """A driver's hands: each action done ``times`` times in a row, then wait for the bot."""

    def __init__(self, app: FerrymanApp, emulator: Emulator, user: EmulatedUser, times: int):
        self.app, self.emulator, self.user, self.times = app, emulator, user, times

    async def send(self, text: str) -> None:
        for _ in range(self.times):
            await self.user.send(text)
        await idle(self.app, self.emulator)

    async def press(self, message: ChatMessage, label: str, **kw: Any) -> None:
        for _ in range(self.times):
            await self.user.press(message, label, **kw)
        await idle(self.app, self.emulator)

    async def photo(self, data: bytes) -> None:
        for _ in range(self.times):
            await self.user.send_photo(data)
        await idle(self.app, self.emulator)

    def last(self) -> ChatMessage:
        message = self.user.last_message
        assert message is not None
        return message

    def last_with_button(self, label: str) -> ChatMessage:
        for message in reversed(self.user.messages):
            if label in message.buttons:
                return message
        raise AssertionError(f"no message with {label!r}: {self.user.messages}")


async def live_the_day(
    app: FerrymanApp, emulator: Emulator, owner: EmulatedUser, user: EmulatedUser, times: int
) -> None:
    state = state_of(app)
    phone = Phone(app, emulator, user, times)
    token = await invite(owner, user.name)
    await phone.send(f"/start {token}")
    await phone.press(phone.last_with_button("English"), "English")
    await phone.press(
        phone.last_with_button("📱 Share my phone number"), "📱 Share my phone number"
    )
    for answer in (user.name, "E12345678", "2030-05-31"):
        await phone.send(answer)
    driver = await state.repos.drivers.by_telegram_id(user.id)
    assert driver is not None, user.messages

    vin = {1: "LGXCE4CB7R0000001", 2: "LRWYGCEK2PC000002"}[times]
    assignment = await assign(app, driver, vin=vin, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    user.inbox.skip_all()
    await dispatch(app, assignment)
    card, _, _ = await receive_assignment(user)
    for label in ("✅ Accept", "🚗 Picked up the car", "🛂 Crossed the border", "📦 Delivered"):
        await phone.press(card, label)
    for shot in range(3):  # each driver's own pictures: a photo counts once, anywhere
        await phone.photo(camera_photo(10 * times + shot))
    share = phone.last_with_button("📍 Share my location")
    await phone.press(share, "📍 Share my location", location=LOT)
    await phone.press(card, "🏠 Back in China")


async def record_of(state: AppState, telegram_id: int) -> dict[str, Any]:
    """What is stored about one driver, without ids, times and the car's own identity."""
    repos = state.repos
    driver = await repos.drivers.by_telegram_id(telegram_id)
    assert driver is not None
    (assignment,) = [
        row["id"]
        for row in await repos.db.fetch_all(
            "SELECT id FROM assignments WHERE driver_id = ?", (driver.id,)
        )
    ]
    trip = await repos.assignments.get(assignment)
    assert trip is not None
    proofs = await repos.proofs.for_assignment(assignment)
    events = await repos.events.for_driver(driver.id)
    pending = await repos.db.fetch_all(
        "SELECT kind FROM pending_inputs WHERE telegram_id = ?", (telegram_id,)
    )
    return {
        "driver": (driver.phone[-2:], driver.passport_number, driver.passport_expiry),
        "status": (trip.status, trip.version),
        "proofs": [(p.kind, p.checklist_item, p.flagged) for p in proofs],
        "events": [
            (e.kind, {k: v for k, v in e.payload.items() if k not in _DIFFERENT_BY_NATURE})
            for e in events
        ],
        "pending": [row["kind"] for row in pending],
    }


async def test_a_day_with_everything_sent_twice_stores_what_single_sends_store(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    once = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    twice = emulator.user("Ivan Petrov", lang="en", phone="+8613800000001"[:-2] + "02")

    await live_the_day(app, emulator, owner, once, times=1)
    await live_the_day(app, emulator, owner, twice, times=2)

    state = state_of(app)
    single, double = await record_of(state, once.id), await record_of(state, twice.id)
    assert single["status"][0].value == "delivered"
    assert len(single["proofs"]) == 4
    single["driver"] = double["driver"] = None  # different people, on purpose
    for key in single:
        assert double[key] == single[key], key
