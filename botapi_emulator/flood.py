"""Flood control the way Telegram applies it to bots: overall, per chat and per group.

The overall limit is a sliding one-second window (at most ``per_second`` messages in any
second), a chat gets a token bucket (one a second with a short burst), a group also a sliding
window (20 messages a minute). Time is the monotonic clock: message dates may be fixed by a test,
rate limits never are.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from botapi_emulator.errors import too_many_requests


@dataclass(frozen=True, slots=True)
class FloodLimits:
    enabled: bool = True
    per_second: int = 30  # all chats of one bot together, in any 1-second window
    per_chat_per_second: float = 1.0
    chat_burst: int = 3
    per_group: int = 20  # messages to one group ...
    group_window: float = 60.0  # ... within this many seconds


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.stamp = now

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class FloodControl:
    def __init__(
        self, limits: FloodLimits | None = None, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or FloodLimits()
        self._now = now
        self._global: dict[int, deque[float]] = {}
        self._chats: dict[tuple[int, int], _Bucket] = {}
        self._groups: dict[tuple[int, int], deque[float]] = {}
        self.refusals = 0

    @property
    def enabled(self) -> bool:
        return self.limits.enabled

    def configure(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._global.clear()
        self._chats.clear()
        self._groups.clear()

    def check(self, bot_id: int, chat_id: int, is_group: bool) -> None:
        """Count one message, or raise 429 with the seconds until it would be accepted."""
        limits = self.limits
        if not limits.enabled:
            return
        now = self._now()
        overall = self._global.setdefault(bot_id, deque())
        wait = _window_wait(overall, limits.per_second, 1.0, now)
        chat = self._chats.get((bot_id, chat_id))
        if chat is None:
            chat = self._chats[(bot_id, chat_id)] = _Bucket(
                limits.per_chat_per_second, limits.chat_burst, now
            )
        wait = max(wait, chat.wait(now))
        window: deque[float] | None = None
        if is_group:
            window = self._groups.setdefault((bot_id, chat_id), deque())
            wait = max(wait, _window_wait(window, limits.per_group, limits.group_window, now))
        if wait > 0:
            self.refusals += 1
            # retry_after is whole seconds in the Bot API.
            raise too_many_requests(max(1, math.ceil(wait)))
        overall.append(now)
        chat.take()
        if window is not None:
            window.append(now)


def _window_wait(window: deque[float], limit: int, period: float, now: float) -> float:
    """Seconds until ``window`` (timestamps) has room for one more within ``period``."""
    while window and window[0] <= now - period:
        window.popleft()
    if len(window) < limit:
        return 0.0
    return window[-limit] + period - now
