"""The shared budget keeps every window inside Telegram's limits (a driven clock, no sleeping)."""

from __future__ import annotations

import pytest

from bot.outbox.budget import Budget, counted


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_thirty_in_any_second_then_a_wait(clock: Clock) -> None:
    budget = Budget(margin=0.0, now=clock)
    for chat in range(1, 31):
        await budget.acquire(chat)
    assert budget.overall_wait() == pytest.approx(1.0)
    clock.now += 0.4
    assert budget.overall_wait() == pytest.approx(0.6)
    clock.now += 0.6
    assert budget.overall_wait() == 0.0


async def test_a_margin_widens_the_window(clock: Clock) -> None:
    budget = Budget(margin=0.05, now=clock)
    for chat in range(1, 31):
        await budget.acquire(chat)
    clock.now += 1.0
    assert budget.overall_wait() == pytest.approx(0.05)


async def test_one_chat_gets_a_short_burst_then_one_a_second(clock: Clock) -> None:
    budget = Budget(margin=0.0, chat_burst=3, now=clock)
    for _ in range(3):
        await budget.acquire(7)
    assert budget.chat_wait(7) == pytest.approx(1.0)
    assert budget.chat_wait(8) == 0.0  # another chat is not held up
    assert budget.busy_chats() == [7]
    clock.now += 1.0
    assert budget.chat_wait(7) == 0.0


async def test_a_group_gets_twenty_a_minute(clock: Clock) -> None:
    budget = Budget(margin=0.0, chat_burst=100, chat_per_second=100, now=clock)
    for _ in range(20):
        clock.now += 1.0
        await budget.acquire(-100)
    assert budget.chat_wait(-100) == pytest.approx(41.0)


async def test_a_429_pauses_everyone(clock: Clock) -> None:
    budget = Budget(now=clock)
    budget.pause(3)
    assert budget.overall_wait() == pytest.approx(3.0)


def test_only_messages_count() -> None:
    assert counted("sendPhoto") and counted("copyMessage")
    assert not counted("editMessageCaption") and not counted("answerCallbackQuery")


async def test_a_429_holds_its_chat_and_several_hold_everyone(clock: Clock) -> None:
    budget = Budget(now=clock)
    budget.refused(7, 2)
    assert budget.chat_wait(7) == pytest.approx(2.0)
    assert budget.overall_wait() == 0.0  # the others carry on
    budget.refused(8, 2)
    budget.refused(9, 2)
    assert budget.overall_wait() == pytest.approx(2.0)  # three in a second: the limit itself
