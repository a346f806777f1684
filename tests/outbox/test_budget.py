"""The shared budget keeps every window inside Telegram's limits (a driven clock, no sleeping)."""

from __future__ import annotations

import asyncio

import pytest

from bot.outbox.budget import CATCH_UP, Budget, counted
from bot.outbox.model import Priority


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_thirty_in_any_second_then_a_wait(clock: Clock) -> None:
    budget = Budget(now=clock)
    for chat in range(1, 31):
        budget.settle(await budget.acquire(chat))
    assert budget.overall_wait() == pytest.approx(1.0)
    clock.now += 0.4
    assert budget.overall_wait() == pytest.approx(0.6)
    clock.now += 0.6
    assert budget.overall_wait() == 0.0


async def test_a_call_counts_until_one_second_after_its_answer(clock: Clock) -> None:
    """Telegram counts a call when it arrives, at the latest when its answer leaves."""
    budget = Budget(now=clock)
    slots = [await budget.acquire(chat) for chat in range(1, 31)]
    clock.now += 0.25  # the answers come a quarter of a second after the grants
    for slot in slots:
        budget.settle(slot)
    clock.now += 0.75  # a second after the grants, but not after the answers
    assert budget.overall_wait() == pytest.approx(0.25)
    clock.now += 0.25
    assert budget.overall_wait() == 0.0


async def test_calls_still_in_flight_hold_their_place(clock: Clock) -> None:
    budget = Budget(now=clock)
    slots = [await budget.acquire(chat) for chat in range(1, 31)]
    clock.now += 5.0  # no answer yet: any of them may arrive now
    assert budget.overall_wait() > 0
    budget.settle(slots[0])
    assert budget.overall_wait() == pytest.approx(1.0)  # the first one counts one more second
    budget.settle(slots[0])  # settling again changes nothing
    clock.now += 1.0
    assert budget.overall_wait() == 0.0


async def test_a_slot_is_settled_whatever_the_call_does(clock: Clock) -> None:
    budget = Budget(now=clock)
    with pytest.raises(RuntimeError):
        async with budget.slot(7) as slot:
            raise RuntimeError("the call failed")
    assert slot.until == clock.now


async def _granted_at_once(budget: Budget, first_chat: int) -> int:
    """How many queued (bulk) calls get a slot without the clock moving."""
    granted = 0
    while True:
        try:
            chat = first_chat + granted
            slot = await asyncio.wait_for(budget.acquire(chat, Priority.BULK), 0.05)
        except TimeoutError:
            return granted
        budget.settle(slot)
        granted += 1


async def test_queued_calls_are_spaced_and_a_slow_moment_is_made_up(clock: Clock) -> None:
    budget = Budget(now=clock)
    # After a quiet moment at most CATCH_UP seconds' worth go at once, then one per spacing.
    assert abs(await _granted_at_once(budget, 1000) - CATCH_UP * 30) <= 1
    clock.now += 1 / 30
    assert await _granted_at_once(budget, 2000) == 1
    clock.now += 0.2  # the sender was held up by a slow call: the six missed go now
    assert await _granted_at_once(budget, 3000) in (6, 7)


async def test_one_chat_gets_a_short_burst_then_one_a_second(clock: Clock) -> None:
    budget = Budget(margin=0.0, chat_burst=3, now=clock)
    for _ in range(3):
        budget.settle(await budget.acquire(7))
    assert budget.chat_wait(7) == pytest.approx(1.0)
    assert budget.chat_wait(8) == 0.0  # another chat is not held up
    assert budget.busy_chats() == [7]
    clock.now += 1.0
    assert budget.chat_wait(7) == 0.0


async def test_a_group_gets_twenty_a_minute(clock: Clock) -> None:
    budget = Budget(margin=0.0, chat_burst=100, chat_per_second=100, now=clock)
    for _ in range(20):
        clock.now += 1.0
        budget.settle(await budget.acquire(-100))
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
