"""Injected faults as the bot sees them through PTB: 429, 500, 502, slow, dropped."""

from __future__ import annotations

import time

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from botapi_emulator import EmulatedUser, Emulator, Fault


async def test_scripted_429_then_success(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    emulator.faults.inject(Fault.too_many_requests(retry_after=7), times=2, method="sendMessage")
    assert await bot.get_me()  # other methods are untouched
    for _ in range(2):
        # (Reading RetryAfter.retry_after as an int warns in PTB 22; its message says it.)
        with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
            await bot.send_message(pan.id, "x")
    assert await bot.send_message(pan.id, "third time lucky")
    assert [c.status for c in emulator.calls_to("sendMessage")] == [429, 429, 200]
    assert [m.text for m in pan.messages] == ["third time lucky"]


async def test_server_errors(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    emulator.faults.inject(Fault.server_error())
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(pan.id, "x")
    emulator.faults.inject(Fault.bad_gateway())
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(pan.id, "x")
    assert pan.messages == []


async def test_slow_answer(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    emulator.faults.inject(Fault.slow(0.3), method="sendMessage")
    started = time.monotonic()
    assert await bot.send_message(pan.id, "eventually")
    assert time.monotonic() - started >= 0.3
    emulator.faults.inject(Fault.slow(2.0), method="sendMessage")
    with pytest.raises(TimedOut):
        await bot.send_message(pan.id, "gave up", read_timeout=0.2)


async def test_dropped_connection_after_recording(
    bot: Bot, emulator: Emulator, pan: EmulatedUser
) -> None:
    emulator.faults.inject(Fault.drop(), method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(pan.id, "did it go out?")
    # It did: the ambiguous case a retrying bot must handle without a duplicate.
    assert [m.text for m in pan.messages] == ["did it go out?"]
    assert emulator.calls_to("sendMessage")[-1].fault == "drop"
    assert await bot.send_message(pan.id, "connection works again")


async def test_random_faults_by_probability(
    bot: Bot, emulator: Emulator, pan: EmulatedUser
) -> None:
    emulator.faults.seed(3)
    emulator.faults.sometimes(Fault.server_error(), 0.5, method="sendMessage")
    outcomes = []
    for i in range(30):
        try:
            await bot.send_message(pan.id, str(i))
            outcomes.append(True)
        except NetworkError:
            outcomes.append(False)
    assert 5 < outcomes.count(False) < 25
    assert len(pan.messages) == outcomes.count(True)
    emulator.faults.clear()
    assert await bot.send_message(pan.id, "clean")
