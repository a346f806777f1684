"""The demo day's shared state and the things people do on their phones.

Every helper here acts as a person would (types, presses, sends a photo, a voice note, a
location) through the emulator, and writes the act into the transcript; waiting for the bot's
answer reads the person's chat, as the person would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.demo.cast import DemoDriver
from bot.demo.clockwork import DemoScheduler
from bot.demo.transcript import Transcript, name_of
from bot.state import AppState, FerrymanApp
from botapi_emulator import ChatMessage, EmulatedGroup, EmulatedUser, Emulator, Press

ZONE = ZoneInfo("Asia/Shanghai")
WAIT = 60.0  # seconds a person waits for an answer (flood control paces the bot's sends)


def _label(message: ChatMessage, label: str | int) -> str:
    return message.buttons[label] if isinstance(label, int) else label


@dataclass
class Car:
    """A car of tomorrow's manifest on its way: who drives it and the trip message they hold
    (the newest copy, whose buttons are live)."""

    vin: str
    destination: str
    driver: DemoDriver
    user: EmulatedUser
    message: ChatMessage
    receiver: tuple[str, str]  # who takes it at the lot (name, phone), from the manifest


@dataclass
class Day:
    app: FerrymanApp
    state: AppState
    emulator: Emulator
    clock: FixedClock
    scheduler: DemoScheduler
    transcript: Transcript
    out: Path
    owner: EmulatedUser
    group: EmulatedGroup
    service_day: datetime  # midnight of the service day, company time
    admin: EmulatedUser | None = None
    guard: EmulatedUser | None = None
    drivers: dict[str, EmulatedUser] = field(default_factory=dict)  # by the driver's name
    cars: dict[str, Car] = field(default_factory=dict)  # by VIN, once dispatched
    receivers: dict[str, EmulatedUser] = field(default_factory=dict)  # by name

    # --- the clock ---------------------------------------------------------------------------

    def at(self, hour: int, minute: int = 0, *, day: int = 0) -> datetime:
        """A time of the service day (``day=-1``: the evening before), company time."""
        return self.service_day + timedelta(days=day, hours=hour, minutes=minute)

    async def until(self, moment: datetime, title: str | None = None) -> None:
        """Time passes to ``moment``; the scheduler's jobs due on the way run."""
        if title is None:
            await self.scheduler.run_until(moment)
            return
        # The jobs of the minutes before come before the heading, those due at ``moment``
        # (the evening dispatch at 19:00) under it.
        await self.scheduler.run_until(moment - timedelta(seconds=1))
        self.clock.set(max(moment, self.clock.now()))
        self.transcript.heading(title)
        await self.scheduler.run_until(moment)

    def t(self, language: str, msgid: str, **values: object) -> str:
        return self.state.translator.get(language, msgid, **values)

    def user_of(self, driver: DemoDriver) -> EmulatedUser:
        return self.drivers[driver.name]

    def car_of(self, driver: DemoDriver) -> Car:
        return next(car for car in self.cars.values() if car.driver == driver)

    # --- what people do ----------------------------------------------------------------------

    async def say(self, who: EmulatedUser, text: str, what: str | None = None) -> ChatMessage:
        self.transcript.action(who, what or f"types “{text}”")
        return await who.send(text)

    async def press(
        self, who: EmulatedUser, message: ChatMessage, label: str | int
    ) -> dict[str, object]:
        """An inline button; the toast the bot answers with is what the person sees."""
        text = _label(message, label)
        self.transcript.action(who, f"presses [{text}]")
        pressed = await who.press(message, text)
        if not isinstance(pressed, Press):
            raise TypeError(f"{text!r} is not an inline button")
        answer = await pressed.answer(WAIT)
        if answer.get("text"):
            self.transcript.action(who, f"sees “{answer['text']}”")
        return answer

    async def press_keyboard(
        self,
        who: EmulatedUser,
        message: ChatMessage,
        label: str,
        what: str,
        location: tuple[float, float] | None = None,
    ) -> None:
        """A reply-keyboard button (share my phone, share my location)."""
        self.transcript.action(who, what)
        await who.press(message, label, location=location)

    async def photo(
        self, who: EmulatedUser, data: bytes, what: str, caption: str | None = None
    ) -> ChatMessage:
        self.transcript.action(who, what)
        return await who.send_photo(data, caption)

    # --- reading the chat --------------------------------------------------------------------

    @staticmethod
    def mark(who: EmulatedUser | EmulatedGroup) -> int:
        return len([m for m in who.messages if m.from_bot])

    async def reply(
        self,
        who: EmulatedUser | EmulatedGroup,
        since: int,
        match: Callable[[ChatMessage], bool] | str | None = None,
        within: float = WAIT,
    ) -> ChatMessage:
        """The first message from the bot after ``since`` that ``match`` accepts (a predicate,
        or text the message contains), once it is no longer an ⏳ progress message."""
        check: Callable[[ChatMessage], bool]
        if match is None:
            check = lambda _: True  # noqa: E731
        elif isinstance(match, str):
            needle = match
            check = lambda m: needle in m.content  # noqa: E731
        else:
            check = match
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for message in [m for m in who.messages if m.from_bot][since:]:
                if check(message) and not message.content.startswith("⏳"):
                    return message
            if loop.time() > deadline:
                raise TimeoutError(f"{name_of(who)} got no such message within {within} s")
            await asyncio.sleep(0.02)

    async def replies(
        self, who: EmulatedUser | EmulatedGroup, since: int, count: int, within: float = WAIT
    ) -> list[ChatMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            messages = [m for m in who.messages if m.from_bot][since:]
            if len(messages) >= count:
                return messages[:count]
            if loop.time() > deadline:
                raise TimeoutError(f"{name_of(who)} got {len(messages)} of {count} messages")
            await asyncio.sleep(0.02)

    async def changed(self, message: ChatMessage, within: float = WAIT) -> ChatMessage:
        """The message once the bot has edited it (a result replacing ⏳ or a pressed button)."""
        versions = len(message.history)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(message.history) == versions or message.content.startswith("⏳"):
            if loop.time() > deadline:
                raise TimeoutError(f"not edited within {within} s: {message.content!r}")
            await asyncio.sleep(0.02)
        return message

    async def quiet(self) -> None:
        """Everything the bot has queued is sent (the outbox is idle)."""
        await self.state.outbox.idle(within=120.0)
