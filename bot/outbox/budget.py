"""Telegram's sending budget, shared by direct replies and the outbox.

Telegram allows a bot about 30 messages a second overall, about one a second per chat (with a
short burst) and 20 a minute per group, and answers 429 with ``retry_after`` beyond that. Both
ways out — a handler's direct reply and the outbox sender — take their slot here, so together
they stay inside the limits instead of each assuming the whole budget.

The overall limit is a strict sliding window (never more than ``per_second`` calls in any
window), not a leaky bucket: a bucket lets a burst through after a quiet moment, which is
exactly what Telegram refuses. Waiters are served by priority, so a driver's button answer
takes the next free slot even while a dispatch of thousands is queued behind it.

Telegram counts a message when it *arrives*, which we never see: we only know it arrived after
we granted its slot and before its answer came back. So a call holds its place in the window
from its grant until one second after its answer (while in flight it may arrive at any moment).
Then no spread of network or server delay can put more than ``per_second`` arrivals into one
second, and no guessed margin is needed: a fixed margin cost 3% of the dispatch and still let
arrivals bunched by a busy server through as 429s.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.outbox.model import Priority

log = logging.getLogger(__name__)

# The endpoints that put a new message in a chat count against the budget (Telegram's limits
# are for messages sent); edits, answerCallbackQuery, getUpdates and getFile do not.
COUNTED_PREFIXES = ("send", "copy", "forward")

# Passed as ``rate_limit_args`` by the outbox sender: it has taken its slot already and handles
# 429 itself (a retry inside the call would hold the sender for the whole retry_after).
OUTBOX_CALL: dict[str, Any] = {"outbox": True}

GLOBAL_AFTER_REFUSALS = 3  # 429s within one second that pause every chat, not just one
DIRECT_RETRIES = 2  # a direct reply refused with 429 is tried this many more times


def counted(endpoint: str) -> bool:
    return endpoint.lower().startswith(COUNTED_PREFIXES)


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class Slot:
    """One counted call in the overall window: latest moment it can have reached Telegram."""

    __slots__ = ("until",)

    def __init__(self) -> None:
        self.until: float | None = None  # None: in flight, it may arrive at any moment


CATCH_UP = 0.5  # seconds of queued sending a slow moment may make up afterwards
IN_FLIGHT_POLL = 0.005  # the window is full of calls still in flight: look again this soon


def _slots_wait(window: deque[Slot], limit: int, now: float) -> float:
    """Seconds until fewer than ``limit`` calls can have reached Telegram in the last second."""
    while window and window[0].until is not None and window[0].until <= now - 1.0:
        window.popleft()
    if len(window) < limit:
        return 0.0
    latest = sorted(now if s.until is None else s.until for s in window)
    live = [t for t in latest if t > now - 1.0]
    if len(live) < limit:
        return 0.0
    oldest = live[len(live) - limit]
    # A call still in flight counts as arriving now: its answer will tell when it could have.
    return max(IN_FLIGHT_POLL, oldest + 1.0 - now)


def _window_wait(window: deque[float], limit: int, period: float, now: float) -> float:
    while window and window[0] <= now - period:
        window.popleft()
    if len(window) < limit:
        return 0.0
    return window[-limit] + period - now


class Budget:
    """Slots for Bot API calls, granted by priority within Telegram's limits.

    ``margin`` widens the per-chat and per-group limits a little: they are counted from the
    grant, and a call may arrive later than the one granted after it. The overall window needs
    none: it counts each call until its answer (see :class:`Slot`), so :meth:`acquire`'s slot
    must be passed to :meth:`settle` when the answer (or the failure) comes.
    """

    def __init__(
        self,
        *,
        per_second: int = 30,
        chat_per_second: float = 1.0,
        chat_burst: int = 3,
        per_group: int = 20,
        group_window: float = 60.0,
        margin: float = 0.03,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.chat_rate = chat_per_second / (1.0 + margin)
        self.chat_burst = float(chat_burst)
        self.per_group = per_group
        self.group_window = group_window * (1.0 + margin)
        self._now = now
        self._overall: deque[Slot] = deque()
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self._queued_at = 0.0  # when the next queued (not ANSWER) call may go
        self._held: dict[int, float] = {}  # chat -> monotonic time its 429 runs out
        self._refusals: deque[float] = deque()
        self._waiting: list[tuple[int, int]] = []
        self._seq = itertools.count()
        self._changed = asyncio.Condition()
        self.granted = 0

    # --- reading ---------------------------------------------------------------------------

    def chat_wait(self, chat_id: int, now: float | None = None) -> float:
        """Seconds until ``chat_id`` may receive another message (0: now)."""
        now = self._now() if now is None else now
        wait = 0.0
        held = self._held.get(chat_id)
        if held is not None:
            if held > now:
                wait = held - now
            else:
                del self._held[chat_id]
        bucket = self._chats.get(chat_id)
        if bucket is not None:
            wait = max(wait, bucket.wait(now))
            if wait == 0.0 and bucket.tokens >= bucket.capacity:
                del self._chats[chat_id]  # full again: forget it, so the table stays small
        if chat_id < 0:
            window = self._groups.get(chat_id)
            if window is not None:
                wait = max(wait, _window_wait(window, self.per_group, self.group_window, now))
                if not window:
                    del self._groups[chat_id]
        return wait

    def busy_chats(self, now: float | None = None) -> list[int]:
        """Chats that must not receive anything yet (their own limit, not the overall one)."""
        now = self._now() if now is None else now
        tracked = set(self._chats) | set(self._groups) | set(self._held)
        return [chat_id for chat_id in tracked if self.chat_wait(chat_id, now) > 0]

    def overall_wait(self, now: float | None = None) -> float:
        now = self._now() if now is None else now
        return max(_slots_wait(self._overall, self.per_second, now), self._paused_until - now)

    # --- changing --------------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Nobody sends until ``seconds`` have passed."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def refused(self, chat_id: int | None, seconds: float) -> None:
        """Telegram answered 429 with ``retry_after``: that chat waits it out.

        Our pacing keeps the overall rate inside the limit, so a lone 429 is about one chat
        and the others carry on (pausing everyone, as PTB's AIORateLimiter does, would cost
        the whole dispatch a second per refusal). Several 429s within a second mean the
        overall limit itself was hit: then everyone waits.
        """
        now = self._now()
        if chat_id is not None:
            self._held[chat_id] = max(self._held.get(chat_id, 0.0), now + seconds)
        self._refusals.append(now)
        while self._refusals and self._refusals[0] <= now - 1.0:
            self._refusals.popleft()
        if chat_id is None or len(self._refusals) >= GLOBAL_AFTER_REFUSALS:
            self.pause(seconds)

    def settle(self, slot: Slot) -> None:
        """The call of ``slot`` was answered (or failed): it reached Telegram by now, if ever.

        Only the first settling counts (the earliest answer is the tightest bound)."""
        if slot.until is None:
            slot.until = self._now()

    @contextlib.asynccontextmanager
    async def slot(
        self, chat_id: int | None, priority: int = Priority.ANSWER
    ) -> AsyncIterator[Slot]:
        """``acquire``, then ``settle`` whatever the call's outcome."""
        taken = await self.acquire(chat_id, priority)
        try:
            yield taken
        finally:
            self.settle(taken)

    def _take(self, chat_id: int | None, now: float) -> Slot:
        slot = Slot()
        self._overall.append(slot)
        self.granted += 1
        if chat_id is None:
            return slot
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = _Bucket(self.chat_rate, self.chat_burst, now)
        bucket.wait(now)
        bucket.tokens -= 1.0
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        return slot

    async def acquire(self, chat_id: int | None, priority: int = Priority.ANSWER) -> Slot:
        """Wait for a slot to ``chat_id`` (None: counts overall only), highest priority first.

        The caller passes the slot to :meth:`settle` once the call is answered.
        """
        # This chat's own limit first, outside the queue, so it holds up no other chat.
        # The wait is known exactly and nothing could end it sooner: a sleep, not an event.
        while chat_id is not None and (wait := self.chat_wait(chat_id)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        ticket = (int(priority), next(self._seq))
        async with self._changed:
            heapq.heappush(self._waiting, ticket)
            self._changed.notify_all()  # a more urgent waiter re-orders the queue
            try:
                while True:
                    if self._waiting[0] != ticket:
                        await self._changed.wait()
                        continue
                    now = self._now()
                    wait = self.overall_wait(now)
                    if priority > Priority.ANSWER:
                        # Queued traffic goes out evenly spaced, never as a burst that fills
                        # the window: an answer then finds a free slot within one spacing.
                        wait = max(wait, self._queued_at - now)
                    if wait <= 0:
                        heapq.heappop(self._waiting)
                        slot = self._take(chat_id, now)
                        if priority > Priority.ANSWER:
                            # Spaced on a schedule, not after the last grant: time lost to a
                            # slow call (a busy CPU) is made up, up to CATCH_UP seconds of it,
                            # as fast as the window allows.
                            start = max(self._queued_at, now - CATCH_UP)
                            self._queued_at = start + 1.0 / self.per_second
                        return slot
                    # Woken early when a more urgent waiter arrives.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), wait)
            finally:
                if ticket in self._waiting:  # cancelled while waiting
                    self._waiting.remove(ticket)
                    heapq.heapify(self._waiting)
                self._changed.notify_all()


class BudgetRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """PTB's rate limiter slot, backed by the shared :class:`Budget`.

    Direct replies take a slot at ``ANSWER`` priority and are retried after a 429 (the user is
    waiting for them); the outbox passes :data:`OUTBOX_CALL` and is let straight through.
    """

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args is not None and rate_limit_args.get("outbox"):
            return await callback(*args, **kwargs)
        chat_id = _chat_id(data.get("chat_id"))
        for attempt in range(DIRECT_RETRIES + 1):
            slot = None
            if counted(endpoint):
                slot = await self.budget.acquire(chat_id, Priority.ANSWER)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self.budget.refused(chat_id, wait)
                if attempt == DIRECT_RETRIES:
                    raise
                log.info("direct %s refused with 429; again in %.1f s", endpoint, wait)
                if slot is not None:
                    self.budget.settle(slot)
                    slot = None
                await asyncio.sleep(wait)
            finally:
                if slot is not None:
                    self.budget.settle(slot)
        raise AssertionError("unreachable")


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, read without PTB 22's deprecation warning on ``retry_after``.

    PTB's own AIORateLimiter reads the same timedelta attribute.
    """
    return float(exc._retry_after.total_seconds())


def _chat_id(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None  # a channel username, or no chat at all
