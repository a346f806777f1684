"""How many Bot API calls a second the emulator serves (flood control off).

The emulator runs in its own process, as in the demo and in standalone mode; the load comes
from this process with aiohttp (many concurrent connections), so the figure is the server's,
not the client's. A second figure shows a single python-telegram-bot ``Bot`` for comparison
(httpx is the slower side there).

    .venv/bin/python benchmarks/bench_emulator.py [--seconds 5] [--concurrency 64] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from benchmarks.common import Row, median, percentile, standalone
from botapi_emulator import DEFAULT_TOKEN, Emulator

USERS = 1000
TARGET_CALLS_PER_SECOND = 2000


@dataclass(frozen=True, slots=True)
class Load:
    calls_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def serve(ready: Queue[Any]) -> None:
    async def main() -> None:
        emulator = Emulator(flood=False, log_limit=10_000)
        users = [emulator.user(f"Driver {i}", started=True).id for i in range(USERS)]
        await emulator.start()
        ready.put((emulator.port, users))
        try:
            await asyncio.Event().wait()
        finally:
            await emulator.stop()

    asyncio.run(main())


def calls_for(base: str, users: list[int], i: int) -> tuple[str, str, dict[str, Any]]:
    """A realistic mix: mostly sends (with keyboards), some getMe, polls and edits."""
    user = users[i % len(users)]
    kind = i % 10
    if kind < 6:
        body = {
            "chat_id": user,
            "text": f"<b>Assignment {i}</b> VIN LFV2A21K8M3000001, yard A",
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": "Accept", "callback_data": f"a:{i}"}]]},
        }
        return "sendMessage", f"{base}/sendMessage", body
    if kind < 8:
        return "getMe", f"{base}/getMe", {}
    if kind == 8:
        return "getUpdates", f"{base}/getUpdates", {"timeout": 0}
    return "sendChatAction", f"{base}/sendChatAction", {"chat_id": user, "action": "typing"}


async def load(port: int, users: list[int], seconds: float, concurrency: int) -> Load:
    base = f"http://127.0.0.1:{port}/bot{DEFAULT_TOKEN}"
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(start: int) -> None:
            i = start
            while time.monotonic() < deadline:
                name, url, body = calls_for(base, users, i)
                i += concurrency
                began = time.perf_counter()
                async with session.post(
                    url, data=json.dumps(body), headers={"Content-Type": "application/json"}
                ) as response:
                    payload = await response.json()
                latencies.append(time.perf_counter() - began)
                if payload.get("ok"):
                    counts[name] += 1
                else:
                    errors[f"{name}: {payload.get('description')}"] += 1

        began = time.monotonic()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        elapsed = time.monotonic() - began
    total = sum(counts.values())
    print(f"raw HTTP load, {concurrency} connections, {elapsed:.1f} s: {total} calls")
    for name, count in counts.most_common():
        print(f"    {name:<15} {count / elapsed:8,.0f} /s")
    if errors:
        print(f"  errors: {dict(errors)}")
    ms = [latency * 1000 for latency in latencies]
    return Load(total / elapsed, median(ms), percentile(ms, 0.99), sum(errors.values()))


async def ptb_load(port: int, users: list[int], seconds: float) -> float:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    base = f"http://127.0.0.1:{port}/bot"
    sent = 0
    deadline = time.monotonic() + seconds
    async with Bot(
        DEFAULT_TOKEN, base_url=base, request=HTTPXRequest(connection_pool_size=32)
    ) as bot:

        async def worker(start: int) -> None:
            nonlocal sent
            i = start
            while time.monotonic() < deadline:
                await bot.send_message(users[i % len(users)], f"Assignment {i}")
                sent += 1
                i += 32

        began = time.monotonic()
        await asyncio.gather(*(worker(n) for n in range(32)))
        elapsed = time.monotonic() - began
    return sent / elapsed


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--skip-ptb", action="store_true")
    parser.add_argument("--quick", action="store_true", help="half a second of each load (CI)")
    args = parser.parse_args(argv)
    seconds = 0.5 if args.quick else args.seconds

    context = multiprocessing.get_context("spawn")
    ready: Queue[Any] = context.Queue()
    server = context.Process(target=serve, args=(ready,), daemon=True)
    server.start()
    try:
        port, users = ready.get(timeout=60)
        print(f"emulator pid {server.pid} on port {port}; load from pid {os.getpid()}")
        raw = asyncio.run(load(port, users, seconds, args.concurrency))
        ptb = None if args.skip_ptb else asyncio.run(ptb_load(port, users, min(seconds, 3.0)))
    finally:
        server.terminate()
        server.join(5)
    rows = [
        Row(
            f"emulator: Bot API calls/s, {args.concurrency} connections, flood control off",
            f"≥ {TARGET_CALLS_PER_SECOND:,}/s",
            f"{raw.calls_per_second:,.0f}/s (p50 {raw.p50_ms:.1f} ms, p99 {raw.p99_ms:.1f} ms)",
            raw.calls_per_second >= TARGET_CALLS_PER_SECOND and raw.errors == 0,
        )
    ]
    if ptb is not None:
        rows.append(
            Row(
                "emulator: one PTB Bot.send_message, 32 concurrent (client-bound)",
                "",
                f"{ptb:,.0f}/s",
                None,
            )
        )
    return rows


if __name__ == "__main__":
    sys.exit(standalone(main))
