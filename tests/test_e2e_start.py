"""Ferryman built from settings answers /start over real HTTP, by polling and by webhook."""

from __future__ import annotations

import pytest

from bot.state import FerrymanApp
from botapi_emulator import Emulator


@pytest.mark.parametrize("ferryman", ["polling", "webhook"], indirect=True)
async def test_start_gets_the_welcome(emulator: Emulator, ferryman: FerrymanApp) -> None:
    pan = emulator.user("Pan Guangde", lang="zh")
    await pan.send("/start")
    welcome = await pan.next_message()
    assert welcome.text is not None
    assert "Horgos Auto Export" in welcome.text
    assert welcome.chat_id == pan.id
    assert welcome.from_bot
    # What the bot did, as the emulator saw it: it asked for updates the way the mode says.
    if ferryman.bot_data.state and ferryman.bot_data.state.settings.telegram.mode == "webhook":
        assert emulator.calls_to("setWebhook")[-1].ok
        assert not emulator.bot.updates.pending
    else:
        assert emulator.calls_to("getUpdates")
