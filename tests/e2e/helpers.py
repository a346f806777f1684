"""Test-only helpers; the scenario steps themselves live in bot.demo.steps."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from bot.demo.steps import (
    assign,
    camera_photo,
    invite,
    receive_assignment,
    register,
    state_of,
    tap,
)
from bot.domain.models import Assignment
from bot.notify import send_assignment
from bot.state import FerrymanApp

__all__ = [
    "assign",
    "camera_photo",
    "decode",
    "dispatch",
    "invite",
    "receive_assignment",
    "register",
    "state_of",
    "tap",
]


async def dispatch(app: FerrymanApp, assignment: Assignment) -> None:
    await send_assignment(app.bot, state_of(app), assignment.id)


def decode(image: bytes) -> list[str]:
    with Image.open(io.BytesIO(image)) as picture:
        return [r.text for r in zxingcpp.read_barcodes(picture.convert("L"))]
