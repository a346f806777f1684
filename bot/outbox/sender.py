"""The one sender: drains the outbox in priority order, inside Telegram's limits.

At most one message is in flight at a time. A row is *claimed* (marked ``sending``) in its own
commit before the call and *finished* in another after it, so after a crash only unsent rows
go out again, plus at most the single claimed one whose answer never arrived.

What Telegram says decides what happens to a row:

- 200: sent, Telegram's message id recorded (an assignment also moves ``planned → sent``);
- 429: the chat waits ``retry_after`` and the row goes out afterwards (several 429s within a
  second pause every chat: the overall limit was hit);
- 5xx, network errors: retried with growing backoff (other rows carry on meanwhile), after
  ``max_attempts`` the row fails with an event and an admin alert;
- 403, or 400 "chat not found": the chat is unreachable — a driver is marked so, an event is
  written, the admins are told once, the chat's other rows are skipped; the queue carries on;
- 400 with ``migrate_to_chat_id`` (a group became a supergroup): the row and every other
  open row to the old id go to the new one, and the dispatch group follows it;
- any other 400: the row fails with an event (the request itself is wrong; retrying cannot
  help).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import InputFile, InputMediaPhoto, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.domain.events import EventKind
from bot.i18n import N_
from bot.outbox.budget import OUTBOX_CALL, Budget, retry_after_seconds
from bot.outbox.model import Method, QueuedMessage, Status

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from bot.clock import Clock
    from bot.state import AppState
    from storage.repositories import Repositories

log = logging.getLogger(__name__)

EVENT_FAILED = EventKind.OUTBOX_FAILED
EVENT_UNREACHABLE = EventKind.DRIVER_UNREACHABLE
EVENT_CHAT_UNREACHABLE = EventKind.CHAT_UNREACHABLE

ALERT_FAILED = N_(
    "⚠️ A message could not be delivered after {attempts} attempts ({what}, chat {chat}): {error}"
)
ALERT_UNREACHABLE = N_(
    "⚠️ Driver {driver} ({phone}) cannot be reached in Telegram ({error}). Nothing more is "
    "sent to them until they write to the bot again."
)

MAX_ATTEMPTS = 5  # 5xx / network failures of one row before it is given up
CRASH_ATTEMPTS = 20  # claims of one row across restarts: a row that crashes us is given up
BATCH = 64  # rows read per query
IDLE_POLL = 1.0  # seconds between looks when nothing is due (rows with not_before, backoff)
STOP_GRACE = 5.0  # seconds the in-flight call gets to finish at shutdown


def _unreachable(exc: TelegramError) -> bool:
    if isinstance(exc, Forbidden):
        return True
    return isinstance(exc, BadRequest) and "chat not found" in exc.message.lower()


def _not_modified(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and "message is not modified" in exc.message.lower()


def _api_kwargs(chat_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as Bot API arguments; ``{"path": ...}`` values become uploads."""
    kwargs: dict[str, Any] = {"chat_id": chat_id}
    for name, value in payload.items():
        if isinstance(value, dict) and set(value) == {"path"}:
            path = Path(value["path"])
            kwargs[name] = InputFile(path.read_bytes(), filename=path.name)
        elif name == "media" and isinstance(value, list):
            # An album stored as JSON: PTB's send_media_group wants InputMedia objects.
            kwargs[name] = [_input_media(item) for item in value]
        else:
            kwargs[name] = value
    return kwargs


def _input_media(item: Any) -> Any:
    if isinstance(item, dict) and item.get("type") == "photo":
        return InputMediaPhoto(item["media"], caption=item.get("caption"))
    return item


def _snake(method: Method) -> str:
    """``sendMessage`` → ``send_message``: PTB's typed method (it warns on do_api_request)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in str(method))


def _message_id(result: Any) -> int | None:
    if isinstance(result, Message):
        return result.message_id
    if isinstance(result, dict):
        value = result.get("message_id")
        return int(value) if value is not None else None
    if isinstance(result, list | tuple) and result:
        return _message_id(result[0])
    return None  # an edit answered True


async def _raise(exc: Exception) -> Any:
    raise exc


@dataclass(frozen=True, slots=True)
class _Ready:
    """A row read and its call built, not yet claimed (``call`` None: not to be sent)."""

    row: QueuedMessage
    call: Callable[[], Awaitable[Any]] | None
    skipped: str = ""  # why ``call`` is None


class Outbox:
    """Started with the application (``bot.app``), stopped before the database closes."""

    def __init__(
        self,
        bot: ExtBot[Any],
        repos: Repositories,
        clock: Clock,
        budget: Budget,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = 0.5,
        backoff_cap: float = 60.0,
    ) -> None:
        self.bot = bot
        self.repos = repos
        self.clock = clock
        self.budget = budget
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._state: AppState | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._failures: dict[int, int] = {}  # row id -> 5xx/network failures in this run
        self._retry_at: dict[int, float] = {}  # row id -> monotonic time of the next try
        self.sent = 0

    # --- life cycle ------------------------------------------------------------------------

    def start(self, state: AppState) -> None:
        if self._task is not None:
            return
        self._state = state
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="ferryman-outbox")

    async def stop(self) -> None:
        """Let the message in flight finish (its answer is recorded), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """New rows were committed: look now rather than at the next poll."""
        self._idle.clear()
        self._wake.set()

    async def idle(self, within: float = 30.0) -> None:
        """Wait until nothing is due (tests, the demo and benchmarks)."""
        self.wake()
        await asyncio.wait_for(self._idle.wait(), within)

    # --- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                busy = await self._drain_batch()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The sender must outlive any one bad row or a locked database.
                log.exception("outbox sender failed; trying again shortly")
                busy = False
                await asyncio.sleep(IDLE_POLL)
            if not busy and not self._stopping:
                await self._wait()

    async def _wait(self) -> None:
        busy = self.budget.busy_chats()
        # Idle: no open row due now (rows held back by not_before do not count).
        if not await self.repos.outbox.due(self.clock.now(), limit=1):
            self._idle.set()
        timeout = IDLE_POLL
        if self._retry_at:
            timeout = min(timeout, min(self._retry_at.values()) - time.monotonic())
        if busy:
            timeout = min(timeout, min(self.budget.chat_wait(chat) for chat in busy))
        timeout = max(0.0, timeout)
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _drain_batch(self) -> bool:
        """Send what is due now; False when there was nothing to send.

        While one call is in flight the next row is read and its call built (trip, caption,
        image bytes), so after an answer the next call leaves as soon as its claim commits.
        Preparing writes nothing: the claim still comes before the call, and only one row is
        ever claimed, so a crash still doubles at most the one message in flight.
        """
        mono = time.monotonic()
        for row_id in [i for i, at in self._retry_at.items() if at <= mono]:
            del self._retry_at[row_id]
        self._wake.clear()
        rows = await self.repos.outbox.due(
            self.clock.now(),
            limit=BATCH,
            skip_ids=list(self._retry_at),
            skip_chats=self.budget.busy_chats(),
        )
        if not rows:
            return False
        ahead = iter(rows)
        ready: _Ready | None = None
        sent_any = False
        while not self._stopping:
            if self._wake.is_set() and sent_any:
                break  # something new was queued: it may outrank the rest of this batch
            if ready is None or self.budget.chat_wait(ready.row.message.chat_id) > 0:
                # (A 429 to the current row's chat may hold the one prepared after it.)
                row = self._next_sendable(ahead)
                if row is None:
                    break
                ready = await self._prepare(row)
            ready = await self._send(ready, ahead)
            sent_any = True
        return sent_any

    def _next_sendable(self, ahead: Iterator[QueuedMessage]) -> QueuedMessage | None:
        for row in ahead:
            # This chat's own limit: later rows to other chats go first.
            if row.id not in self._retry_at and self.budget.chat_wait(row.message.chat_id) <= 0:
                return row
        return None

    async def _prepare(self, row: QueuedMessage) -> _Ready:
        """Read what ``row`` needs and build its call; nothing is written here."""
        message = row.message
        if row.attempts >= CRASH_ATTEMPTS:
            return _Ready(row, None, "claimed too often without an answer")
        try:
            if message.method is Method.ASSIGNMENT:
                from bot.services import dispatch  # the service imports the outbox model

                call = await dispatch.prepare_assignment(self._app_state, row, OUTBOX_CALL)
                return _Ready(row, call, "" if call is not None else "trip moved on")
            kwargs = _api_kwargs(message.chat_id, dict(message.payload))
        except Exception as exc:
            # Raised at call time, after the claim, like a failing call: the row's attempts
            # count up and it is given up after CRASH_ATTEMPTS instead of blocking the queue.
            return _Ready(row, partial(_raise, exc))
        method = getattr(self.bot, _snake(message.method))
        return _Ready(row, partial(method, **kwargs, rate_limit_args=OUTBOX_CALL))

    async def _send(self, ready: _Ready, ahead: Iterator[QueuedMessage]) -> _Ready | None:
        """Claim and send ``ready``; returns the next row, prepared meanwhile (or None)."""
        row, message = ready.row, ready.row.message
        if ready.call is None:
            if row.attempts >= CRASH_ATTEMPTS:
                await self._fail(row, ready.skipped, row.attempts)
            else:
                await self.repos.outbox.finish(
                    row.id, Status.SKIPPED, self.clock.now(), error=ready.skipped
                )
            return None
        if not await self.repos.outbox.claim(row.id):
            return None  # closed meanwhile (its chat became unreachable, say): not sent
        slot = await self.budget.acquire(message.chat_id, message.priority)
        following = self._next_sendable(ahead)
        call = asyncio.ensure_future(ready.call())
        prepared: _Ready | None = None
        try:
            if following is not None:
                prepared = await self._prepare(following)
            result = await call
        except RetryAfter as exc:
            self.budget.settle(slot)
            wait = retry_after_seconds(exc)
            log.info("429 for chat %s: it waits %.0f s", message.chat_id, wait)
            self.budget.refused(message.chat_id, wait)
            await self.repos.outbox.release(row.id, "429")
            return prepared
        except TelegramError as exc:
            self.budget.settle(slot)
            await self._refused(row, exc)
            return prepared
        finally:
            self.budget.settle(slot)
            if not call.done():  # cancelled while preparing (stop): the call goes with it
                call.cancel()
        await self._delivered(row, result)
        return prepared

    async def _delivered(self, row: QueuedMessage, result: Any) -> None:
        self._failures.pop(row.id, None)
        self.sent += 1
        now = self.clock.now()
        async with self.repos.db.transaction():
            await self.repos.outbox.finish(
                row.id, Status.SENT, now, message_id=_message_id(result)
            )
            if row.message.method is Method.ASSIGNMENT:
                from bot.services import dispatch

                assert isinstance(result, Message)
                await dispatch.record_assignment_sent(self._app_state, row, result, now)

    async def _refused(self, row: QueuedMessage, exc: TelegramError) -> None:
        message = row.message
        if isinstance(exc, ChatMigrated):
            await self._migrated(row, exc.new_chat_id)
        elif _not_modified(exc):
            await self.repos.outbox.finish(row.id, Status.SENT, self.clock.now())
        elif _unreachable(exc):
            await self._unreachable(row, exc)
        elif isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
            failures = self._failures.get(row.id, 0) + 1
            if failures >= self.max_attempts:
                self._failures.pop(row.id, None)
                await self._fail(row, exc.message, failures)
                return
            self._failures[row.id] = failures
            delay = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
            self._retry_at[row.id] = time.monotonic() + delay
            log.info(
                "outbox %s to %s failed (%s); retry in %.1f s",
                message.method,
                message.chat_id,
                exc.message,
                delay,
            )
            await self.repos.outbox.release(row.id, exc.message)
        else:
            await self._fail(row, exc.message, row.attempts + 1)

    async def _migrated(self, row: QueuedMessage, new_chat_id: int) -> None:
        """The group became a supergroup (Telegram names the new id): this row and every
        other open one to the old id go to the new id, and the dispatch group follows it
        (stored, owners told) as when the bot reads the upgrade's service message."""
        from bot.groups import follow_migration  # groups builds outbox rows

        old = row.message.chat_id
        title = ""
        with contextlib.suppress(TelegramError):  # only for the owners' notice
            title = (await self.bot.get_chat(new_chat_id)).title or ""
        now = self.clock.now()
        async with self.repos.db.transaction():
            await follow_migration(self._app_state, old, new_chat_id, title, None, now)
            moved = await self.repos.outbox.readdress(old, new_chat_id)
        log.info("chat %s became %s: %d queued rows follow it", old, new_chat_id, moved)
        self._wake.set()

    async def _fail(self, row: QueuedMessage, error: str, attempts: int) -> None:
        message = row.message
        now = self.clock.now()
        log.warning("outbox gave up on %s (%s): %s", message.purpose, message.key, error)
        async with self.repos.db.transaction():
            await self.repos.outbox.finish(row.id, Status.FAILED, now, error=error)
            await self.repos.events.append(
                EVENT_FAILED,
                recorded_at=now,
                assignment_id=message.assignment_id,
                driver_id=message.driver_id,
                payload={
                    "purpose": message.purpose,
                    "method": str(message.method),
                    "error": error,
                    "attempts": attempts,
                },
            )
            # An alert that itself fails is an event only: alerting about it could loop.
            if not message.purpose.startswith("alert."):
                from bot.notify import admin_alert

                await self.repos.outbox.add(
                    *await admin_alert(
                        self._app_state,
                        ALERT_FAILED,
                        key=f"alert.outbox_failed:{row.id}",
                        attempts=attempts,
                        what=message.purpose or str(message.method),
                        chat=message.chat_id,
                        error=error,
                    )
                )
        self._wake.set()

    async def _unreachable(self, row: QueuedMessage, exc: TelegramError) -> None:
        message = row.message
        now = self.clock.now()
        async with self.repos.db.transaction():
            await self.repos.outbox.finish(row.id, Status.FAILED, now, error=exc.message)
            skipped = await self.repos.outbox.skip_chat(message.chat_id, "unreachable", now)
            driver = await self.repos.drivers.mark_unreachable(message.chat_id, now)
            if driver is not None:
                from bot.notify import admin_alert

                await self.repos.events.append(
                    EVENT_UNREACHABLE,
                    recorded_at=now,
                    driver_id=driver.id,
                    assignment_id=message.assignment_id,
                    payload={"error": exc.message, "skipped": skipped},
                )
                await self.repos.outbox.add(
                    *await admin_alert(
                        self._app_state,
                        ALERT_UNREACHABLE,
                        key=f"alert.unreachable:{driver.id}:{row.id}",
                        driver=driver.name,
                        phone=driver.phone or "—",
                        error=exc.message,
                    )
                )
            elif await self.repos.drivers.by_telegram_id(message.chat_id) is None:
                await self.repos.events.append(
                    EVENT_CHAT_UNREACHABLE,
                    recorded_at=now,
                    payload={"chat_id": message.chat_id, "error": exc.message},
                )
        log.warning(
            "chat %s unreachable (%s); %d queued rows skipped",
            message.chat_id,
            exc.message,
            skipped,
        )
        self._wake.set()

    @property
    def _app_state(self) -> AppState:
        if self._state is None:
            raise RuntimeError("the outbox sender was used before start()")
        return self._state
