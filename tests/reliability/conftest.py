"""The bot as a real process: started with `ferryman run`, killed with SIGKILL, restarted.

The emulator runs in the test process on the real clock (the bot process has no other), so
message dates and the bot's clock agree as they would with Telegram.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing, suppress
from pathlib import Path

import pytest

from botapi_emulator import CallRecord, EmulatedUser, Emulator
from tests.conftest import GROUP_CHAT_ID, OWNER_ID, SIGNING_KEY

FERRYMAN = Path(sys.executable).with_name("ferryman")


def config_text(
    emulator: Emulator,
    workdir: Path,
    *,
    owners: tuple[int, ...],
    group_chat_id: int = GROUP_CHAT_ID,
) -> str:
    """Settings in TOML, as an operator writes them (read by the bot process and the test)."""
    owner_list = ", ".join(str(owner) for owner in owners)
    return f"""
[telegram]
token = "{emulator.token}"
api_base_url = "{emulator.api_base_url}"
api_file_url = "{emulator.api_file_url}"

[company]
name = "Horgos Auto Export"
timezone = "Asia/Shanghai"
owners = [{owner_list}]
group_chat_id = {group_chat_id}

[storage]
database = "{workdir / "ferryman.sqlite3"}"
media_dir = "{workdir / "media"}"

[clearance]
active_key_id = "k1"
keys = {{ k1 = "{SIGNING_KEY}" }}

[[places]]
code = "horgos-yard"
name = "Horgos Export Vehicle Yard"
kind = "yard"
latitude = 44.2140
longitude = 80.4080

[[places]]
code = "zharkent-lot"
name = "Zharkent delivery lot"
kind = "lot"
latitude = 44.1630
longitude = 80.0020
"""


class BotProcess:
    """`ferryman run` in its own process, the way an operator starts it."""

    def __init__(self, emulator: Emulator, config: Path) -> None:
        self.emulator = emulator
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None
        self.log = config.with_name("ferryman.log")
        self.starts = 0
        self.kills = 0

    async def start(self) -> None:
        """Start and wait until it polls for updates."""
        assert self.process is None or self.process.poll() is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("FERRYMAN_")}
        # A getUpdates is logged when it returns, up to a long poll's timeout later; the
        # emulator counts them as they begin.
        polls = self.emulator.bot.poll_generation
        with self.log.open("ab") as log:
            # Its own process group: a kill takes its QR worker processes down with it.
            self.process = await asyncio.to_thread(
                subprocess.Popen,
                [str(FERRYMAN), "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        self.starts += 1
        # A ceiling, not a pace: a fresh interpreter importing the bot on a loaded 2-core
        # machine can take tens of seconds; the first poll ends the wait.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 180
        while loop.time() < deadline:
            if self.emulator.bot.poll_generation > polls or not self.alive:
                break
            await asyncio.sleep(0.02)
        if self.emulator.bot.poll_generation == polls:
            code = self.process.poll()
            self.kill()
            raise AssertionError(f"the bot never polled (exit {code}):\n" + self.output())

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, whatever the bot was doing stops mid-way."""
        if self.process is not None and self.process.poll() is None:
            self.kills += 1  # first: a test seeing the bot dead must find it counted
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.reap()

    def reap(self) -> None:
        """Whatever is left of the process group (workers of a dead bot) goes too."""
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def kill_when(
        self, method: str, matches: Callable[[CallRecord], bool] = lambda call: True
    ) -> None:
        """SIGKILL the bot the moment the emulator records this call (before it is answered).

        Once: the restarted bot making the same call again is left alone.
        """
        armed = True

        def watcher(call: CallRecord) -> None:
            nonlocal armed
            if armed and call.method.lower() == method.lower() and matches(call) and self.alive:
                armed = False
                self.kill()

        self.emulator.watch(watcher)

    def kill_while_writing(self, database: Path, *, held: float = 0.02) -> threading.Thread:
        """SIGKILL the bot once it has held SQLite's write lock for ``held`` seconds of its time.

        A probe connection asks for the write lock without waiting (``BEGIN IMMEDIATE``,
        timeout 0) every millisecond or two and gives it back at once; "locked" is the bot
        inside a write transaction. From the first "locked" on, the bot only runs in short
        slices between SIGSTOPs, and the lock is checked while it is stopped: on a busy
        machine a probe that is slow to look again cannot let the transaction finish before
        the kill, and the kill lands where the lock was last seen held.
        """

        def locked(db: sqlite3.Connection) -> bool:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            db.execute("ROLLBACK")
            return False

        def signal_bot(signum: signal.Signals) -> None:
            assert self.process is not None
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

        def probe() -> None:
            with closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as db:
                deadline = time.monotonic() + 60
                while self.alive and time.monotonic() < deadline:
                    if not locked(db):
                        time.sleep(0.001)
                        continue
                    ran = 0.0
                    signal_bot(signal.SIGSTOP)
                    while locked(db):  # stopped inside the transaction
                        if ran >= held:
                            self.kill()  # SIGKILL ends a stopped process too
                            return
                        signal_bot(signal.SIGCONT)
                        started = time.monotonic()
                        time.sleep(0.002)
                        signal_bot(signal.SIGSTOP)
                        ran += time.monotonic() - started
                    signal_bot(signal.SIGCONT)  # a short write, not the long one: look again

        def run() -> None:
            try:
                probe()
            finally:
                if self.alive:  # never leave a bot stopped behind, whatever went wrong
                    signal_bot(signal.SIGCONT)

        thread = threading.Thread(target=run, name="kill-while-writing", daemon=True)
        thread.start()
        return thread

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.to_thread(self.process.wait, 30)
        self.reap()

    async def reply_or_death(self, person: EmulatedUser, within: float = 10.0) -> str | None:
        """The bot's next message to ``person``, or None as soon as the bot is dead."""
        waiting = asyncio.create_task(person.next_message(within))
        while not waiting.done():
            if not self.alive:
                await asyncio.sleep(0.1)  # a message recorded just before the kill
                if not waiting.done():
                    waiting.cancel()
                    return None
            await asyncio.sleep(0.02)
        return (await waiting).text or ""

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
async def live_emulator() -> AsyncIterator[Emulator]:
    """The emulator on the real clock, flood control off."""
    emulator = Emulator(flood=False)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def config_path(tmp_path: Path, live_emulator: Emulator) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(config_text(live_emulator, tmp_path, owners=(OWNER_ID,)), encoding="utf-8")
    return path


@pytest.fixture
async def bot_process(live_emulator: Emulator, config_path: Path) -> AsyncIterator[BotProcess]:
    bot = BotProcess(live_emulator, config_path)
    try:
        yield bot
    finally:
        try:
            await bot.stop()
        finally:
            bot.kill()


def database_checks(path: Path) -> Iterator[str]:
    """What SQLite itself finds wrong with the file (nothing, for a sound database)."""
    with closing(sqlite3.connect(path)) as db:
        (integrity,) = db.execute("PRAGMA integrity_check").fetchone()
        if integrity != "ok":
            yield f"integrity_check: {integrity}"
        for row in db.execute("PRAGMA foreign_key_check").fetchall():
            yield f"foreign_key_check: {row}"
