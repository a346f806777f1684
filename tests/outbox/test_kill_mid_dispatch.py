"""SIGKILL halfway through an evening dispatch: after a restart every driver has the trip once.

The bot runs in its own process against the emulator (flood control on), exactly as in
production; the test kills it with SIGKILL once half the QR photos are out, starts it again on
the same database, and counts what each driver received. Only the one message in flight at the
kill may arrive twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import signal
from collections import Counter
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from benchmarks.bench_dispatch import Setup, bot_process
from botapi_emulator import CallRecord, Emulator, FloodLimits

DRIVERS = 240


async def _until(condition: Any, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_a_killed_dispatch_resumes_without_losing_or_doubling(tmp_path: Path) -> None:
    emulator = Emulator(flood=FloodLimits(per_second=60), log_limit=None)
    await emulator.start()
    try:
        users = [emulator.user(f"Driver {n}", started=True) for n in range(DRIVERS)]
        photos: Counter[int] = Counter()

        def on_call(call: CallRecord) -> None:
            if call.method.lower() == "sendphoto" and call.status == 200:
                photos[int(call.params["chat_id"])] += 1

        emulator.watch(on_call)
        setup = Setup(
            token=emulator.token,
            api_base_url=emulator.api_base_url,
            api_file_url=emulator.api_file_url,
            workdir=str(tmp_path),
            scale=2.0,
            driver_ids=tuple(user.id for user in users),
        )
        context = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()

        out: Queue[dict[str, Any]] = context.Queue()
        go = context.Event()
        first = context.Process(target=bot_process, args=(setup, out, go))
        first.start()
        assert (await loop.run_in_executor(None, out.get, True, 120))["ready"]
        go.set()
        await _until(lambda: sum(photos.values()) >= DRIVERS // 2, within=60)
        assert first.pid is not None
        os.killpg(first.pid, signal.SIGKILL)  # the bot and its QR worker processes
        await loop.run_in_executor(None, first.join, 10)
        at_kill = sum(photos.values())
        assert at_kill < DRIVERS  # the kill really was halfway

        out = context.Queue()
        go = context.Event()
        second = context.Process(
            target=bot_process, args=(dataclasses.replace(setup, resume=True), out, go)
        )
        second.start()
        result = await loop.run_in_executor(None, out.get, True, 120)
        await loop.run_in_executor(None, second.join, 30)

        assert set(photos) == {user.id for user in users}  # nobody lost
        doubled = [chat for chat, count in photos.items() if count > 1]
        assert len(doubled) <= 1 and all(photos[c] == 2 for c in doubled)
        assert result["outbox"].get("sent", 0) >= DRIVERS
        assert set(result["outbox"]) <= {"sent"}
    finally:
        await emulator.stop()
