"""What an admin's phone shows while the bot works: a message edited until it is done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date

from bot.domain.models import Driver
from bot.state import FerrymanApp
from botapi_emulator import ChatMessage, EmulatedUser
from tests.conftest import FIXED_NOW
from tests.e2e.helpers import state_of


async def settled(
    message: ChatMessage, within: float = 10.0, *, changed_from: str | None = None
) -> ChatMessage:
    """The message once the bot stops showing ⏳ in it (it edits progress into the result);
    with ``changed_from``, also once its text is no longer that (a button was pressed)."""
    deadline = time.monotonic() + within
    while (message.text or "").startswith("⏳") or (
        changed_from is not None and message.text == changed_from
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"still in progress after {within} s: {message.text!r}")
        await asyncio.sleep(0.02)
    return message


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for something the outbox sends at its own pace (one message a second per chat)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not so after {within} s")
        await asyncio.sleep(0.02)


async def add_driver(
    app: FerrymanApp,
    user: EmulatedUser | None,
    name: str | None = None,
    phone: str = "+8613800000001",
    *,
    language: str = "zh",
    passport_expiry: date = date(2030, 1, 1),
) -> Driver:
    """A driver as onboarding leaves one (passport E12345678); the name defaults to the
    Telegram one."""
    if name is None:
        assert user is not None, "a driver without Telegram needs a name"
        name = user.name
    return await state_of(app).repos.drivers.add(
        name=name,
        now=FIXED_NOW,
        telegram_id=None if user is None else user.id,
        phone=phone,
        passport_number="E12345678",
        passport_expiry=passport_expiry,
        language=language,
    )
