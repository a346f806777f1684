"""Webhook mode as an attacker would try it: who may post updates, and in which chat a
private command is answered."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest

from bot.state import FerrymanApp
from botapi_emulator import Emulator
from tests.conftest import WEBHOOK_SECRET, StartFerryman
from tests.e2e.helpers import state_of

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def forged_command(update_id: int, *, sender: int, chat: int, command: str) -> dict[str, Any]:
    """An update as Telegram would shape it, but with any sender and chat the forger likes."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "date": 1_741_566_600,
            "chat": {"id": chat, "type": "private", "first_name": "Mallory"},
            "from": {"id": sender, "is_bot": False, "first_name": "Li", "language_code": "en"},
            "text": command,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def post(app: FerrymanApp, update: dict[str, Any], secret: str | None) -> int:
    settings = state_of(app).settings
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(settings.telegram.webhook_url, json=update, headers=headers) as response,
    ):
        return response.status


@pytest.mark.parametrize("secret", [None, "", "guessed-secret", WEBHOOK_SECRET + "x"])
async def test_updates_without_the_right_secret_get_403_and_change_nothing(
    emulator: Emulator, start_ferryman: StartFerryman, secret: str | None
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    mallory = emulator.user("Mallory", lang="en", started=True)
    app = await start_ferryman(mode="webhook", owners=(owner.id,))
    update = forged_command(900_001, sender=mallory.id, chat=mallory.id, command="/start")

    assert await post(app, update, secret) == 403
    await mallory.no_message()
    await owner.no_message()
    # The same update with the right secret is served: the 403 was the secret, nothing else.
    assert await post(app, update, WEBHOOK_SECRET) == 200
    assert "Horgos Auto Export" in ((await mallory.next_message()).text or "")


async def test_a_command_in_someone_elses_private_chat_is_refused_and_logged(
    emulator: Emulator, start_ferryman: StartFerryman, caplog: pytest.LogCaptureFixture
) -> None:
    """Even with the secret (leaked, or a bug upstream), the owner's /help sent "from" the
    owner into Mallory's chat is not answered in either chat."""
    owner = emulator.user("Li Wei", lang="en", started=True)
    mallory = emulator.user("Mallory", lang="en", started=True)
    app = await start_ferryman(mode="webhook", owners=(owner.id,))
    caplog.set_level(logging.WARNING)

    update = forged_command(900_002, sender=owner.id, chat=mallory.id, command="/help")
    assert await post(app, update, WEBHOOK_SECRET) == 200
    await mallory.no_message(within=0.5)
    await owner.no_message()
    refusals = [r for r in caplog.records if "private chat" in r.getMessage()]
    assert len(refusals) == 1
    assert "update 900002" in refusals[0].getMessage()

    # The owner's own /help in the owner's own chat still works.
    await owner.send("/help")
    assert "Admin commands" in "".join(m.text or "" for m in await owner.next_messages(2))
