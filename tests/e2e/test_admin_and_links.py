"""Admins' /start and /help, /invite refusals, and invitation links that cannot be used."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from botapi_emulator import Emulator
from tests.conftest import StartFerryman
from tests.e2e.helpers import invite, register, state_of


async def test_admin_start_help_and_stranger_text(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    await start_ferryman(owners=(owner.id,))
    await owner.send("/start")
    assert "You are an admin" in ((await owner.next_message()).text or "")
    await owner.send("/help")
    help_texts = [m.text or "" for m in await owner.next_messages(2)]
    assert "Admin commands" in help_texts[1] and "/qrsheet" in help_texts[1]
    stranger = emulator.user("Nobody", lang="ru", started=True)
    await stranger.send("/invite Somebody")
    assert "только для администраторов" in ((await stranger.next_message()).text or "")
    await stranger.send("hello")
    assert "не зарегистрированы" in ((await stranger.next_message()).text or "")


async def test_used_and_expired_links_and_double_registration(
    emulator: Emulator, start_ferryman: StartFerryman, clock: FixedClock
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
    state = state_of(app)
    assert await state.repos.drivers.by_telegram_id(pan.id) is not None

    token = await invite(owner, "Second")
    other = emulator.user("Other Person", lang="en", phone="+8613800000002")
    await pan.send(f"/start {token}")
    assert "already registered" in ((await pan.next_message()).text or "")

    clock.advance(timedelta(days=7, minutes=1))
    await other.send(f"/start {token}")
    assert "expired" in ((await other.next_message()).text or "")
    await other.send("/start not-a-real-token")
    assert "not valid" in ((await other.next_message()).text or "")
    assert await state.repos.drivers.by_telegram_id(other.id) is None


async def test_a_strangers_language_says_how_to_register_and_an_invited_one_picks(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    await start_ferryman(owners=(owner.id,))
    stranger = emulator.user("Wang Fang", lang="zh", started=True)
    await stranger.send("/language")
    hint = await stranger.next_message()
    # Buttons would lead nowhere (a stranger's choice is stored nowhere): the way in instead,
    # in the language of the stranger's Telegram.
    assert hint.text == "您尚未注册。请向调度员索取邀请链接。" and not hint.buttons

    token = await invite(owner, "Aigerim")
    invited = emulator.user("Aigerim", lang="en", phone="+77010000009")
    await invited.send(f"/start {token}")
    await invited.next_message()  # choose a language
    await invited.send("/language")  # mid-registration: the choice is part of it
    assert "English" in (await invited.next_message()).buttons
