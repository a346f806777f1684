"""Scenario steps shared by the end-to-end tests of the driver's day."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import zxingcpp
from PIL import Image

from bot.domain.models import Assignment, Driver
from bot.notify import send_assignment
from bot.services.assignments import NewAssignment, create_assignment
from bot.state import AppState, FerrymanApp
from botapi_emulator.client import ChatMessage, EmulatedUser, Press

LANGUAGE_BUTTONS = {"zh": "中文", "ru": "Русский", "en": "English"}
SHARE_PHONE = {
    "zh": "📱 分享我的手机号码",
    "ru": "📱 Отправить мой номер",
    "en": "📱 Share my phone number",
}


def state_of(app: FerrymanApp) -> AppState:
    state = app.bot_data.state
    assert state is not None
    return state


async def invite(owner: EmulatedUser, name: str) -> str:
    await owner.send(f"/invite {name}")
    reply = await owner.next_message()
    match = re.search(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)", reply.text or "")
    assert match, reply.text
    return match.group(1)


async def register(
    owner: EmulatedUser,
    user: EmulatedUser,
    *,
    name: str,
    passport: str,
    language: str,
) -> ChatMessage:
    """Invitation → language → own phone → name → passport → expiry; returns the welcome."""
    token = await invite(owner, name)
    await user.send(f"/start {token}")
    choose = await user.next_message()
    assert choose.inline_keyboard, choose
    await user.press(choose, LANGUAGE_BUTTONS[language])
    phone_prompt = await user.next_message()
    assert phone_prompt.keyboard[0][0].get("request_contact") is True
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
) -> Assignment:
    state = state_of(app)
    return await create_assignment(
        state.repos,
        state.clearance,
        NewAssignment(
            service_date=service_date,
            vin=vin,
            model="BYD Song Plus DM-i",
            colour="white",
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


async def dispatch(app: FerrymanApp, assignment: Assignment) -> None:
    await send_assignment(app.bot, state_of(app), assignment.id)


def decode(image: bytes) -> list[str]:
    with Image.open(io.BytesIO(image)) as picture:
        return [r.text for r in zxingcpp.read_barcodes(picture.convert("L"))]


async def receive_assignment(user: EmulatedUser) -> tuple[ChatMessage, ChatMessage, ChatMessage]:
    photo, pickup, destination = await user.next_messages(3)
    assert photo.photo and pickup.venue and destination.venue
    return photo, pickup, destination


async def tap(user: EmulatedUser, message: ChatMessage, label: str) -> dict[str, object]:
    """Press an inline button and wait for the bot's answer to the callback."""
    pressed = await user.press(message, label)
    assert isinstance(pressed, Press), pressed
    return await pressed.answer()
