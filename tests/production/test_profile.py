"""The bot's description and short description, per language, from the catalogs."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest

from botapi_emulator import Emulator
from tests.conftest import StartFerryman


async def test_descriptions_in_every_language_at_start_up(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    await start_ferryman()
    texts = emulator.bot.texts
    assert "Horgos Auto Export" in texts["description:en"]
    assert "邀请链接" in texts["description:zh"]
    assert "ссылку-приглашение" in texts["description:ru"]
    assert "шақыру сілтемесін" in texts["description:kk"]
    # The default (no language) is the company's language, Chinese here.
    assert texts["description:"] == texts["description:zh"]
    for language in ("", "zh", "ru", "en", "kk"):
        short = texts[f"short_description:{language}"]
        assert short.startswith("Horgos Auto Export") and len(short) <= 120


async def test_a_long_company_name_still_gives_a_short_description(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    name = "Khorgos International Automobile Export Trading and Logistics Company Limited"
    await start_ferryman(extra={"company": {"name": name}})
    assert emulator.bot.texts["short_description:en"] == (
        "assignments, clearance QR codes and visa-free days."
    )
    assert name in emulator.bot.texts["description:en"]


async def test_the_emulator_holds_the_bot_to_telegrams_limits(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    app = await start_ferryman()
    with pytest.raises(BadRequest, match="Short description is too long"):
        await app.bot.set_my_short_description("ы" * 121)
    with pytest.raises(BadRequest, match="Description is too long"):
        await app.bot.set_my_description("😀" * 257)  # 514 UTF-16 code units
    with pytest.raises(BadRequest, match="Invalid language code"):
        await app.bot.set_my_description("fine", language_code="zh-CN")
    assert await app.bot.set_my_short_description("😀" * 60)  # 120 code units: fits
