"""Flood control: Telegram's limits, and Ferryman's shared budget living with them."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.outbox.budget import Budget, BudgetRateLimiter
from botapi_emulator import EmulatedUser, Emulator, FloodLimits


async def test_per_chat_limit_allows_a_short_burst(
    bot: Bot, emulator: Emulator, pan: EmulatedUser
) -> None:
    emulator.flood.configure(FloodLimits(chat_burst=3))
    for i in range(3):
        await bot.send_message(pan.id, f"burst {i}")
    with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
        await bot.send_message(pan.id, "one too many")
    refused = emulator.calls_to("sendMessage")[-1]
    assert refused.status == 429
    assert refused.description == "Too Many Requests: retry after 1"
    # Another chat is not affected.
    other = emulator.user("Ma Lin", started=True)
    assert await bot.send_message(other.id, "fine")


async def test_group_limit_per_minute(bot: Bot, emulator: Emulator, pan: EmulatedUser) -> None:
    emulator.flood.configure(FloodLimits(per_group=3, chat_burst=10, per_chat_per_second=100))
    group = emulator.group("Dispatch", members=[pan])
    for i in range(3):
        await bot.send_message(group.id, f"digest {i}")
    with pytest.raises(RetryAfter, match=r"Retry in (59|60) seconds"):
        await bot.send_message(group.id, "digest 4")


async def test_overall_limit_and_switching_off(bot: Bot, emulator: Emulator) -> None:
    emulator.flood.configure(FloodLimits(per_second=5))
    users = [emulator.user(f"Driver {i}", started=True) for i in range(6)]
    for user in users[:5]:
        await bot.send_message(user.id, "go")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[5].id, "go")
    emulator.flood.configure(FloodLimits(enabled=False))
    for _ in range(10):
        await bot.send_message(users[5].id, "no limits now")


def max_in_window(stamps: list[float], window: float) -> int:
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_shared_budget_delivers_a_burst_without_loss(emulator: Emulator) -> None:
    """300 sends to 300 chats at once through Ferryman's budget: all arrive once, and the
    server, enforcing the same limit, never has to refuse one.

    This holds whatever the CPU does, so nothing here depends on timing: the budget counts a
    call from its grant until its answer, and the server counts it when it arrives, in between.
    Whenever the server sees ``limit`` calls within a second, all of them were still counted by
    the budget when the last of them was granted, so it could not have been granted. The limit
    is scaled up from Telegram's 30/s so the test takes seconds, not ten.
    """
    limit = 150
    emulator.flood.configure(FloodLimits(per_second=limit))
    users = [emulator.user(f"Driver {i}", started=True) for i in range(300)]
    limiter = BudgetRateLimiter(Budget(per_second=limit))
    # A starved CPU may keep a granted call waiting for a pooled connection; that delays it,
    # which the budget allows for, but must not fail it.
    request = HTTPXRequest(connection_pool_size=64, pool_timeout=30.0)
    async with ExtBot(
        emulator.token, base_url=emulator.api_base_url, rate_limiter=limiter, request=request
    ) as bot:
        results = await asyncio.gather(
            *(bot.send_message(user.id, f"Assignment for {user.name}") for user in users)
        )
    assert len(results) == 300
    assert all(len(user.messages) == 1 for user in users)
    assert all(user.messages[0].text == f"Assignment for {user.name}" for user in users)
    calls = emulator.calls_to("sendMessage")
    # Not one 429: every call was accepted the first time, none retried.
    assert [call.status for call in calls] == [200] * 300
    # And what the server accepted, stamped between a call's arrival and its answer, is within
    # the limit in every second (the same argument as above, with no tolerance).
    assert max_in_window(sorted(call.finished for call in calls), 1.0) <= limit
