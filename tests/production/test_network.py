"""Telegram out of reach: at start-up and while polling, one warning line per retry with the
reason and the wait, no traceback, and the bot serves by itself once the network is back."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import pytest

from bot.backup import DatabaseInUse, hold_database
from botapi_emulator import Emulator
from botapi_emulator.emulator import DEFAULT_TOKEN
from botapi_emulator.faults import Fault
from tests.conftest import StartFerryman, free_port
from tests.production.helpers import start_process, write_config


def config_for(folder: Path, port: int) -> Path:
    base = f"http://127.0.0.1:{port}"
    return write_config(folder, f"{base}/bot", f"{base}/file/bot")


class Terminal:
    """The stderr of a process, read line by line as it arrives."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._task = asyncio.create_task(self._read(stream))
        self._changed = asyncio.Event()

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.lines.append(line.decode().rstrip("\n"))
            self._changed.set()

    async def wait_for(self, text: str, count: int = 1, within: float = 30) -> None:
        async def seen() -> None:
            while sum(text in line for line in self.lines) < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(seen(), within)
        except TimeoutError:
            raise AssertionError(f"{text!r} x{count} not in {self.lines}") from None

    async def closed(self) -> None:
        await self._task


async def test_unreachable_at_start_up_then_serving_once_it_is_back(tmp_path: Path) -> None:
    emulator = Emulator(flood=False)
    port = free_port()
    process = await start_process(config_for(tmp_path, port), token=emulator.token)
    assert process.stderr is not None
    terminal = Terminal(process.stderr)
    try:
        await terminal.wait_for("Telegram unreachable at start-up", count=2)
        await emulator.start("127.0.0.1", port)
        pan = emulator.user("Pan Guangde", lang="en")
        await pan.send("/start")
        welcome = await pan.next_message(within=30)
        assert "Horgos Auto Export" in (welcome.text or "")
        # While it serves, the database is held: a restore (or a second bot) is refused.
        with pytest.raises(DatabaseInUse), hold_database(tmp_path / "ferryman.sqlite3"):
            pass
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        await terminal.closed()
        await emulator.stop()

    assert code == 0
    warnings = [line for line in terminal.lines if "Telegram unreachable" in line]
    assert len(warnings) >= 2
    first = warnings[0]
    assert "WARNING" in first
    assert "ConnectError" in first  # the reason
    assert "attempt 1, retrying in 1 s" in first and "attempt 2, retrying in 2 s" in warnings[1]
    assert not any("Traceback" in line for line in terminal.lines)
    assert not any(emulator.token.partition(":")[2] in line for line in terminal.lines)


async def test_polling_through_dropped_connections_and_bad_gateways(
    emulator: Emulator, start_ferryman: StartFerryman, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await start_ferryman()
    pan = emulator.user("Pan Guangde", lang="en")
    emulator.faults.inject(Fault.drop(), times=1, method="getUpdates")
    emulator.faults.inject(Fault.bad_gateway(), times=1, method="getUpdates")
    await pan.send("/start")
    assert "Horgos Auto Export" in ((await pan.next_message(within=15)).text or "")

    lines = [r for r in caplog.records if r.name == "ferryman.network"]
    failures = [r.getMessage() for r in lines if "unreachable while polling" in r.getMessage()]
    assert len(failures) == 2
    assert "failure 1, retrying in 1.0 s" in failures[0]
    assert "HTTP 502" in failures[1] and "failure 2, retrying in 1.5 s" in failures[1]
    assert any("reachable again after 2 failed polls" in r.getMessage() for r in lines)
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in lines)
    # python-telegram-bot's own "Exception happened while polling" traceback is not logged.
    assert not any("while polling for updates" in r.getMessage() for r in caplog.records)


async def test_a_stop_signal_while_waiting_for_telegram_ends_the_bot_at_once(
    tmp_path: Path,
) -> None:
    # Nothing listens on that port.
    process = await start_process(config_for(tmp_path, free_port()), token=DEFAULT_TOKEN)
    assert process.stderr is not None
    terminal = Terminal(process.stderr)
    await terminal.wait_for("Telegram unreachable at start-up")
    process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(process.wait(), 10)  # not the 30 s a retry could take
    await terminal.closed()
    assert code == 0
    assert any("stopped before start-up finished" in line for line in terminal.lines)
    assert not any("Traceback" in line for line in terminal.lines)


async def test_telegram_failing_mid_update_is_one_warning_line(
    emulator: Emulator, start_ferryman: StartFerryman, caplog: pytest.LogCaptureFixture
) -> None:
    await start_ferryman()
    pan = emulator.user("Pan Guangde", lang="en")
    emulator.faults.inject(Fault.bad_gateway(), times=20, method="sendMessage")
    caplog.set_level(logging.WARNING)
    await pan.send("/start")
    for _ in range(400):
        if any(r.name == "ferryman.errors" for r in caplog.records):
            break
        await asyncio.sleep(0.05)
    errors = [r for r in caplog.records if r.name == "ferryman.errors"]
    assert errors and all(r.levelno == logging.WARNING and r.exc_info is None for r in errors)
    assert "not answered" in errors[0].getMessage() and "Bad Gateway" in errors[0].getMessage()
    emulator.faults.clear()
    await pan.send("/start")  # the network is back: served as usual
    assert "Horgos Auto Export" in ((await pan.next_message()).text or "")
