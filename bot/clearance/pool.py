"""A process pool for CPU work (rendering, decoding, PDF), so the event loop never waits on it.

Threads would not do: qrcode and fpdf2 are pure Python and hold the GIL, so a rendering
thread stalls the loop. Workers are spawned (not forked: the parent has threads, e.g.
aiosqlite's, and forking those is unsafe) and run at a lower CPU priority, so on a 2-core
machine the bot's own process still gets a core the moment it has something to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

WORKER_NICENESS = 10


def _lower_priority() -> None:
    # Not permitted everywhere; it is only a nicety, so a refusal is ignored.
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class WorkerPool:
    """Started lazily on first use; if a worker dies the pool is rebuilt and the call retried."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return self._executor

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in a worker; both must be picklable (module-level functions)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), func, *args)
        except BrokenProcessPool:
            log.warning("a clearance worker died; restarting the pool and retrying once")
            broken, self._executor = self._executor, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            return await loop.run_in_executor(self._pool(), func, *args)

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            # shutdown(wait=True) blocks until workers exit: do it off the loop.
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)
