"""A plain python-telegram-bot ``Bot`` talking to the emulator (no Application)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from botapi_emulator import EmulatedUser, Emulator


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    async with Bot(
        emulator.token, base_url=emulator.api_base_url, base_file_url=emulator.api_file_url
    ) as client:
        yield client


@pytest.fixture
def pan(emulator: Emulator) -> EmulatedUser:
    """A driver who has started the bot."""
    return emulator.user("Pan Guangde", lang="zh", phone="+8613800000001", started=True)
