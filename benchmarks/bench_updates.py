"""How fast Ferryman answers drivers, side by side with a bare python-telegram-bot echo bot.

K emulated drivers press the button under their assignment message and send locations, first
as fast as the bot answers (throughput), then at rising offered rates (latency). The time is
measured from the driver's action (the update is queued in the emulator) to the bot's answer
(the emulator records answerCallbackQuery or sendMessage), both on the emulator's clock.

Both bots run in their own process against the same emulator (flood control off: each bot
paces itself), with the same python-telegram-bot setup: polling, concurrent updates, a rate
limiter. The echo bot answers a press with its data and a location with its coordinates; the
ratio of the two throughputs is what Ferryman's own work costs.

- a press is Accept on an assignment the driver has accepted already: the double tap of a
  weak connection, which Ferryman looks up (driver, trip, language) and refuses with an answer.
  A first press also edits the message, and edits share Telegram's ~30 messages/s budget, so
  they would measure the budget rather than the bot;
- a location while no delivery is in progress gets a sendMessage answer, so it counts against
  Telegram's ~30 messages/s budget: the rising-rate mix keeps it to one update in ten.

Targets (issue 12): throughput ≥ 0.7× the echo bot's; p99 ≤ 100 ms at 200 updates/s.

    .venv/bin/python benchmarks/bench_updates.py [--drivers 400] [--rates 50,100,200,400]
                                                  [--seconds 4] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Row, median, percentile, standalone
from botapi_emulator import CallRecord, EmulatedUser, Emulator, sample_image
from botapi_emulator.files import image_info

TARGET_RATIO = 0.7
TARGET_P99_MS = 100.0
TARGET_RATE = 200
LOCATION_SHARE = 10  # one update in ten is a location in the rising-rate mix
ANSWER_GRACE = 3.0  # seconds an answer may still arrive after a phase ends
BOTS = ("echo", "ferryman")
SIGNING_KEY = "benchmark-only-signing-key-0123456789"
LOT = (44.1630, 80.0020)


# --- the bots, each in its own process -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BotSetup:
    kind: str
    token: str
    api_base_url: str
    api_file_url: str
    workdir: str
    drivers: tuple[tuple[int, int], ...]  # (telegram id, assignment message id), in order


def bot_process(setup: BotSetup, ready: Queue[str], stop: ProcessEvent) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    runner = _ferryman if setup.kind == "ferryman" else _echo
    asyncio.run(runner(setup, ready, stop))


async def _echo(setup: BotSetup, ready: Queue[str], stop: ProcessEvent) -> None:
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer(update.callback_query.data)

    async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        where = message.location
        text = f"{where.latitude}, {where.longitude}" if where else message.text or "?"
        await message.reply_text(text)

    # The same python-telegram-bot setup as bot.app.build_application, minus Ferryman.
    app = (
        ApplicationBuilder()
        .token(setup.token)
        .base_url(setup.api_base_url)
        .base_file_url(setup.api_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(MessageHandler(filters.ALL, on_message))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        ready.put("ready")
        await asyncio.to_thread(stop.wait)
        await app.updater.stop()
        await app.stop()


async def _ferryman(setup: BotSetup, ready: Queue[str], stop: ProcessEvent) -> None:
    from bot.app import build_application, running
    from bot.clock import SystemClock
    from bot.config import parse_settings

    workdir = Path(setup.workdir)
    settings = parse_settings(
        {
            "telegram": {
                "token": setup.token,
                "api_base_url": setup.api_base_url,
                "api_file_url": setup.api_file_url,
            },
            "company": {"name": "Benchmark Export", "owners": [1]},
            "storage": {"database": "bench.sqlite3", "media_dir": "media"},
            "clearance": {"active_key_id": "b", "keys": {"b": SIGNING_KEY}},
            "places": [
                {
                    "code": "horgos-yard",
                    "name": "Horgos Export Vehicle Yard",
                    "kind": "yard",
                    "latitude": 44.2140,
                    "longitude": 80.4080,
                },
                {
                    "code": "zharkent-lot",
                    "name": "Zharkent delivery lot",
                    "kind": "lot",
                    "latitude": LOT[0],
                    "longitude": LOT[1],
                },
            ],
        },
        str(workdir / "config.toml"),
        env={},
    )
    clock = SystemClock()
    app = build_application(settings, clock)
    async with running(app, settings, clock):
        state = app.bot_data.state
        assert state is not None
        await _seed(state, setup.drivers)
        ready.put("ready")
        await asyncio.to_thread(stop.wait)


def _vin(serial: int) -> str:
    from bot.domain.vin import check_digit

    draft = f"LGXCE4CB0R{serial:07d}"
    return draft[:8] + check_digit(draft) + draft[9:]


async def _seed(state: Any, drivers: Sequence[tuple[int, int]]) -> None:
    """Registered drivers, each with an accepted assignment: the first message in the chat."""
    from bot.domain.lifecycle import Status
    from bot.notify import ASSIGNMENT_MESSAGE
    from bot.services.assignments import NewAssignment, create_assignment

    repos, now = state.repos, state.clock.now()
    zone = state.settings.company.timezone
    languages = ("zh", "ru", "kk", "en")
    for index, (telegram_id, message_id) in enumerate(drivers, start=1):
        driver = await repos.drivers.add(
            name=f"Driver {index}",
            now=now,
            telegram_id=telegram_id,
            phone=f"+7701{index:07d}",
            language=languages[index % len(languages)],
        )
        assignment = await create_assignment(
            repos,
            state.clearance,
            NewAssignment(
                service_date=now.astimezone(zone).date(),
                vin=_vin(index),
                model="BYD Song Plus DM-i",
                colour="white",
                pickup_code="horgos-yard",
                destination_code="zharkent-lot",
                pickup_at=now,
                deliver_by=now + timedelta(hours=9),
                driver_id=driver.id,
                receiver_name="Aibek Nurlanov",
                receiver_phone="+77010000001",
            ),
            now,
        )
        # The emulator's press data names assignment `index`: a fresh database numbers alike.
        assert assignment.id == index, (assignment.id, index)
        await repos.assignments.set_status(assignment, Status.ACCEPTED, now)
        await repos.assignments.record_message(
            assignment.id, telegram_id, message_id, ASSIGNMENT_MESSAGE, now
        )


# --- the drivers' side, in this process with the emulator -------------------------------------


@dataclass
class Phones:
    """The drivers' phones: act, and note when the bot's answer to each action arrives."""

    emulator: Emulator
    users: list[EmulatedUser]
    messages: list[Any]  # each driver's assignment message (StoredMessage)
    _queries: dict[str, tuple[float, asyncio.Future[float]]] = field(default_factory=dict)
    _chats: dict[int, deque[tuple[float, asyncio.Future[float]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.emulator.watch(self._on_call)

    def _on_call(self, call: CallRecord) -> None:
        method = call.method.lower()
        if call.status != 200:
            return
        if method == "answercallbackquery":
            pending = self._queries.pop(str(call.params.get("callback_query_id")), None)
        elif method == "sendmessage":
            waiting = self._chats.get(int(call.params.get("chat_id") or 0))
            pending = waiting.popleft() if waiting else None
        else:
            return
        if pending is not None and not pending[1].done():
            pending[1].set_result(call.finished - pending[0])

    def act(self, index: int, locate: bool) -> asyncio.Future[float]:
        """Driver ``index`` presses Accept, or shares a location; the answer's latency."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        user = self.users[index % len(self.users)]
        world, bot = self.emulator.world, self.emulator.bot
        started = time.monotonic()
        if locate:
            self._chats.setdefault(user.id, deque()).append((started, future))
            world.user_message(bot, user.user, user.chat, {"location": _location(index)})
        else:
            message = self.messages[index % len(self.messages)]
            data = message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            query = world.press(bot, user.user, message, data)
            self._queries[query.id] = (started, future)
        return future

    def forget(self) -> None:
        self._queries.clear()
        self._chats.clear()


def _location(index: int) -> dict[str, float]:
    return {"latitude": LOT[0] + (index % 97) * 1e-4, "longitude": LOT[1]}


@dataclass(frozen=True, slots=True)
class Phase:
    offered: float | None  # updates/s offered; None: as fast as answered
    answered_per_second: float
    p50_ms: float
    p99_ms: float
    lost: int


async def saturate(phones: Phones, seconds: float, concurrency: int) -> Phase:
    """Closed loop: each of ``concurrency`` drivers presses again as soon as answered."""
    latencies: list[float] = []
    lost = 0
    deadline = time.monotonic() + seconds

    async def driver(first: int) -> None:
        nonlocal lost
        index = first
        while time.monotonic() < deadline:
            try:
                latencies.append(await asyncio.wait_for(phones.act(index, False), ANSWER_GRACE))
            except TimeoutError:
                lost += 1
            index += concurrency

    started = time.monotonic()
    await asyncio.gather(*(driver(n) for n in range(concurrency)))
    elapsed = time.monotonic() - started
    phones.forget()
    return _phase(None, latencies, elapsed, lost)


async def offer(phones: Phones, rate: float, seconds: float) -> Phase:
    """Open loop: actions at ``rate`` a second, whether or not the bot keeps up."""
    futures: list[asyncio.Future[float]] = []
    started = time.monotonic()
    issued = 0
    while (now := time.monotonic()) - started < seconds:
        due = int((now - started) * rate)
        while issued < due:
            futures.append(phones.act(issued, issued % LOCATION_SHARE == LOCATION_SHARE - 1))
            issued += 1
        await asyncio.sleep(0.005)
    done, pending = await asyncio.wait(futures, timeout=ANSWER_GRACE) if futures else ((), ())
    elapsed = time.monotonic() - started
    for future in pending:
        future.cancel()
    phones.forget()
    # Elapsed runs until the last answer came (or the grace period ran out).
    return _phase(rate, [f.result() for f in done], elapsed, len(pending))


def _phase(offered: float | None, latencies: list[float], elapsed: float, lost: int) -> Phase:
    ms = [latency * 1000 for latency in latencies]
    return Phase(offered, len(ms) / elapsed, median(ms), percentile(ms, 0.99), lost)


# --- one run: both bots, the same drivers ------------------------------------------------------


@dataclass
class Options:
    drivers: int
    rates: list[int]
    seconds: float
    saturate_seconds: float
    concurrency: int


async def measure(kind: str, options: Options) -> tuple[Phase, list[Phase]]:
    emulator = Emulator(flood=False, log_limit=1000)
    await emulator.start()
    users = [emulator.user(f"Driver {i}", lang="zh", started=True) for i in range(options.drivers)]
    photo = emulator.world.files.add_photo(
        sample_image(320, 320), image_info(sample_image(320, 320))
    )
    messages = []
    for number, user in enumerate(users, start=1):
        keyboard = {
            "inline_keyboard": [[{"text": "Accept", "callback_data": f"trip:{number}:acc"}]]
        }
        messages.append(
            emulator.world.new_message(
                emulator.bot,
                user.chat,
                emulator.bot.user,
                {"photo": photo, "caption": f"Assignment #{number}", "reply_markup": keyboard},
                from_bot=True,
            )
        )
    context = multiprocessing.get_context("spawn")
    ready: Queue[str] = context.Queue()
    stop = context.Event()
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as workdir:
        setup = BotSetup(
            kind,
            emulator.token,
            emulator.api_base_url,
            emulator.api_file_url,
            workdir,
            tuple((u.id, m.data["message_id"]) for u, m in zip(users, messages, strict=True)),
        )
        process = context.Process(target=bot_process, args=(setup, ready, stop), daemon=True)
        process.start()
        try:
            await _started(process, ready)
            phones = Phones(emulator, users, messages)
            await saturate(phones, 0.5, options.concurrency)  # warm up both sides
            peak = await saturate(phones, options.saturate_seconds, options.concurrency)
            rising = [await offer(phones, rate, options.seconds) for rate in options.rates]
        finally:
            stop.set()
            await asyncio.to_thread(process.join, 15)
            if process.is_alive():
                process.terminate()
            await emulator.stop()
    return peak, rising


async def _started(process: Any, ready: Queue[str], within: float = 120.0) -> None:
    """Wait for the bot's "ready", or fail at once if its process died on the way."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not ready.empty():
            ready.get()
            return
        if not process.is_alive():
            raise RuntimeError(f"the bot process exited ({process.exitcode}) before it was ready")
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot was not ready within {within:.0f} s")


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--drivers", type=int, default=400)
    parser.add_argument("--rates", default="50,100,200,400", help="offered updates/s")
    parser.add_argument("--seconds", type=float, default=4.0, help="per offered rate")
    parser.add_argument("--saturate", type=float, default=5.0, help="seconds at full speed")
    parser.add_argument("--concurrency", type=int, default=64, help="drivers at full speed")
    parser.add_argument("--quick", action="store_true", help="30 drivers, a second a phase")
    args = parser.parse_args(argv)
    options = Options(
        drivers=30 if args.quick else args.drivers,
        rates=[50, TARGET_RATE] if args.quick else [int(r) for r in args.rates.split(",")],
        seconds=1.0 if args.quick else args.seconds,
        saturate_seconds=1.0 if args.quick else args.saturate,
        concurrency=min(args.concurrency, 30 if args.quick else args.drivers),
    )
    results: dict[str, tuple[Phase, list[Phase]]] = {}
    for kind in BOTS:
        print(f"update handling: {kind} bot, {options.drivers} drivers", flush=True)
        results[kind] = asyncio.run(measure(kind, options))
    return rows(results, options)


def rows(results: dict[str, tuple[Phase, list[Phase]]], options: Options) -> list[Row]:
    (echo_peak, echo_rising), (ours_peak, ours_rising) = results["echo"], results["ferryman"]
    ratio = ours_peak.answered_per_second / max(echo_peak.answered_per_second, 1e-9)
    table = [
        Row(
            f"update handling: button presses/s, {options.concurrency} drivers at once",
            f"≥ {TARGET_RATIO}× echo bot",
            f"{ours_peak.answered_per_second:,.0f}/s vs echo "
            f"{echo_peak.answered_per_second:,.0f}/s = {ratio:.2f}×",
            ratio >= TARGET_RATIO and ours_peak.lost == 0,
        )
    ]
    for ours, echo in zip(ours_rising, echo_rising, strict=True):
        judged = ours.offered == TARGET_RATE
        table.append(
            Row(
                f"update handling: {ours.offered:.0f} updates/s offered (1 in {LOCATION_SHARE} a"
                " location)",
                f"p99 ≤ {TARGET_P99_MS:.0f} ms" if judged else "",
                f"{ours.answered_per_second:,.0f}/s, p50 {ours.p50_ms:.0f} ms, p99 "
                f"{ours.p99_ms:.0f} ms{_lost(ours)} (echo: p50 {echo.p50_ms:.0f} ms, p99 "
                f"{echo.p99_ms:.0f} ms{_lost(echo)})",
                (ours.p99_ms <= TARGET_P99_MS and ours.lost == 0) if judged else None,
            )
        )
    return table


def _lost(phase: Phase) -> str:
    return f", {phase.lost} unanswered" if phase.lost else ""


if __name__ == "__main__":
    sys.exit(standalone(main))
