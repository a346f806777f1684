"""Update queues with long-polling wake-ups, shared by getUpdates and webhook delivery."""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from collections.abc import Iterable
from typing import Any

# What Telegram sends when allowed_updates is empty or never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class Signal:
    """Wakes every waiter at once; a waiter that times out or is cancelled leaves no trace."""

    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None

    def fire(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        self._waiter = None

    async def wait(self, within: float | None) -> bool:
        if self._waiter is None:
            self._waiter = asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait({self._waiter}, timeout=within)
        return bool(done)


class UpdateQueue:
    """Pending updates of one bot; confirmed (dropped) by getUpdates offsets or webhook 2xx."""

    def __init__(self) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.next_id = 1
        self.allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.allowed_list: list[str] | None = None
        self.signal = Signal()

    def set_allowed(self, kinds: Iterable[str] | None) -> None:
        if kinds is None:
            return
        listed = list(kinds)
        self.allowed_list = listed or None
        self.allowed = frozenset(listed) if listed else DEFAULT_UPDATE_TYPES

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if kind not in self.allowed:
            return None
        # A snapshot: the message may change again (a live location moves) before delivery.
        update = {"update_id": self.next_id, kind: copy.deepcopy(payload)}
        self.next_id += 1
        self.pending.append(update)
        self.signal.fire()
        return update

    def confirm(self, offset: int) -> None:
        if offset < 0:
            # A negative offset keeps only the last -offset updates, forgetting the rest.
            while len(self.pending) > -offset:
                self.pending.popleft()
            return
        while self.pending and self.pending[0]["update_id"] < offset:
            self.pending.popleft()

    def take(self, limit: int) -> list[dict[str, Any]]:
        return [self.pending[i] for i in range(min(limit, len(self.pending)))]

    def clear(self) -> None:
        self.pending.clear()
