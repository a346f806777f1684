"""Scenario steps on the emulator, shared by the demo and the end-to-end tests."""

from __future__ import annotations

import io
import random
import re
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw

from bot.domain.models import Assignment, Driver
from bot.services.assignments import NewAssignment, create_assignment
from bot.state import AppState, FerrymanApp
from botapi_emulator import ChatMessage, EmulatedUser, Press

LANGUAGE_BUTTONS = {"zh": "中文", "ru": "Русский", "en": "English", "kk": "Қазақша"}
SHARE_PHONE = {
    "zh": "📱 分享我的手机号码",
    "ru": "📱 Отправить мой номер",
    "en": "📱 Share my phone number",
    "kk": "📱 Телефон нөмірімді жіберу",
}


def camera_photo(seed: int, width: int = 640, height: int = 480) -> bytes:
    """A photo as a phone camera would take it: a different scene for every seed.

    Proof photos are checked for reuse (same bytes) and near copies (close perceptual hash),
    so each checklist photo of a scenario must be a picture of its own, not one flat colour.
    """
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(24):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 8, width // 2), rng.randrange(height // 8, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + w, y + h), fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def state_of(app: FerrymanApp) -> AppState:
    state = app.bot_data.state
    if state is None:
        raise RuntimeError("the bot is not running")
    return state


async def tap(user: EmulatedUser, message: ChatMessage, label: str) -> dict[str, object]:
    """Press an inline button and wait for the bot's answer to the callback."""
    pressed = await user.press(message, label)
    if not isinstance(pressed, Press):
        raise TypeError(f"{label!r} is not an inline button")
    return await pressed.answer()


async def invite(owner: EmulatedUser, name: str) -> str:
    await owner.send(f"/invite {name}")
    # Other notices (a driver who just registered) may arrive first; the link follows.
    for _ in range(5):
        reply = await owner.next_message()
        match = re.search(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)", reply.text or "")
        if match is not None:
            return match.group(1)
    raise AssertionError("no invitation link arrived")


async def register(
    owner: EmulatedUser, user: EmulatedUser, *, name: str, passport: str, language: str
) -> ChatMessage:
    """Invitation → language → own phone → name → passport → expiry; returns the welcome."""
    token = await invite(owner, name)
    await user.send(f"/start {token}")
    choose = await user.next_message()
    await tap(user, choose, LANGUAGE_BUTTONS[language])
    phone_prompt = await user.next_message()
    await user.press(phone_prompt, SHARE_PHONE[language])
    for answer in (name, passport, "2030-05-31"):
        await user.next_message()  # the question
        await user.send(answer)
    return await user.next_message()


async def assign(
    app: FerrymanApp,
    driver: Driver,
    *,
    vin: str,
    service_date: date,
    now: datetime,
    destination: str = "zharkent-lot",
    model: str = "BYD Song Plus DM-i",
    colour: str = "white",
) -> Assignment:
    state = state_of(app)
    return await create_assignment(
        state.repos,
        state.clearance,
        NewAssignment(
            service_date=service_date,
            vin=vin,
            model=model,
            colour=colour,
            pickup_code="horgos-yard",
            destination_code=destination,
            pickup_at=now,
            deliver_by=now + timedelta(hours=9),
            driver_id=driver.id,
            receiver_name="Aibek Nurlanov",
            receiver_phone="+77010000001",
        ),
        now,
    )


async def receive_assignment(user: EmulatedUser) -> tuple[ChatMessage, ChatMessage, ChatMessage]:
    """The QR photo with the trip, then the pickup and destination pins."""
    photo, pickup, destination = await user.next_messages(3)
    if not (photo.photo and pickup.venue and destination.venue):
        raise AssertionError(f"unexpected assignment messages: {photo}, {pickup}, {destination}")
    return photo, pickup, destination
