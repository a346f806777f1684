"""Talking to the Bot API over an unreliable network: back off, say why in one line, recover.

A server in Horgos (or behind a proxy in mainland China) loses Telegram for minutes at a time.
What an operator needs then is one warning line per retry with the reason and the wait, never
a traceback, and a bot that carries on by itself when the network returns.

- :class:`TrackedRequest` wraps python-telegram-bot's HTTPX request: it records when the Bot
  API last answered (for the health report) and, for the long-polling request, logs each
  failed ``getUpdates`` with the delay python-telegram-bot's polling loop will wait.
- :func:`until_reachable` retries a start-up step (``getMe``, ``setWebhook``) with back-off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger("ferryman.network")

T = TypeVar("T")

MAX_DELAY = 30.0  # seconds; python-telegram-bot's polling loop caps its back-off here too


@dataclass(slots=True)
class ApiContact:
    """When the Bot API last answered with success, shared by all request objects."""

    last_ok_at: datetime | None = None
    last_ok_monotonic: float | None = None
    last_failure: str = ""

    def succeeded(self) -> None:
        self.last_ok_at = datetime.now(UTC)
        self.last_ok_monotonic = time.monotonic()

    def age_seconds(self) -> float | None:
        if self.last_ok_monotonic is None:
            return None
        return time.monotonic() - self.last_ok_monotonic


def describe(exc: BaseException, limit: int = 200) -> str:
    """The reason in a few words: the exception's type and message, never a traceback.

    python-telegram-bot's network errors already name the HTTP library's error
    ("httpx.ConnectError: All connection attempts failed"); a proxy's HTML error page quoted
    in the message is cut short.
    """
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TrackedRequest(HTTPXRequest):
    """An HTTPX request that notes every successful Bot API answer.

    With ``polling=True`` (the ``getUpdates`` request) it also logs each failure, mirroring the
    back-off of python-telegram-bot's polling loop (1 s, then x1.5 up to 30 s; at once after
    a timeout; ``retry_after`` + 0.5 s on flood control), so the line says how long the wait is.
    """

    def __init__(self, contact: ApiContact, *, polling: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._contact = contact
        self._polling = polling
        self._delay = 0.0
        self._failures = 0

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(url, method, *args, **kwargs)
        except TelegramError as exc:
            if self._polling:
                self._failed(describe(exc), timed_out=isinstance(exc, TimedOut))
            raise
        if 200 <= code < 300:
            self._contact.succeeded()
            if self._polling and self._failures:
                log.warning("Telegram reachable again after %d failed polls", self._failures)
                self._failures = 0
            self._delay = 0.0
        elif self._polling and (code == 429 or code >= 500):
            self._failed(_error_reason(code, payload), retry_after=_retry_after(payload))
        return code, payload

    def _failed(
        self, reason: str, *, timed_out: bool = False, retry_after: float | None = None
    ) -> None:
        self._failures += 1
        self._contact.last_failure = reason
        if retry_after is not None:
            self._delay = retry_after + 0.5
        elif timed_out:
            self._delay = 0.0
        else:
            self._delay = 1.0 if self._delay == 0 else min(MAX_DELAY, self._delay * 1.5)
        wait = f"retrying in {self._delay:.1f} s" if self._delay else "retrying at once"
        log.warning(
            "Telegram unreachable while polling (%s); failure %d, %s",
            reason,
            self._failures,
            wait,
        )


def _error_reason(code: int, payload: bytes) -> str:
    try:
        description = json.loads(payload).get("description", "")
    except (ValueError, AttributeError):
        description = ""
    return f"HTTP {code}" + (f": {description}" if description else "")


def _retry_after(payload: bytes) -> float | None:
    try:
        value = json.loads(payload)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, int | float) else None


async def until_reachable(
    what: str,
    action: Callable[[], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    first_delay: float = 1.0,
) -> T:
    """Run ``action`` until the Bot API answers; one warning line per failed attempt.

    Only network trouble is retried (no route, DNS, timeouts, 5xx, flood control). A refused
    token or a bad request is a mistake to report, not to wait out, so it propagates.
    """
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            result = await action()
        except (NetworkError, RetryAfter) as exc:
            if isinstance(exc, BadRequest):  # a subclass of NetworkError, but not the network
                raise
            log.warning(
                "Telegram unreachable at %s (%s); attempt %d, retrying in %.0f s",
                what,
                describe(exc),
                attempt,
                delay,
            )
            await sleep(delay)
            delay = min(MAX_DELAY, delay * 2)
            continue
        if attempt > 1:
            log.warning("Telegram reachable again: %s done after %d attempts", what, attempt)
        return result
