"""``ferryman emulator``: the subcommand's options and a real standalone run."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys

from telegram import Bot

from botapi_emulator.cli import register


def test_register_adds_the_subcommand() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["emulator", "--port", "9000", "--token", "1:a", "--token", "2:b", "--no-flood"]
    )
    assert (args.port, args.host, args.tokens, args.flood) == (
        9000,
        "127.0.0.1",
        ["1:a", "2:b"],
        False,
    )
    assert parser.parse_args(["emulator"]).flood is True


async def test_standalone_emulator_serves_ptb() -> None:
    token = "6000000001:AAStandaloneEmulatorToken_000000001"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "emulator",
        "--port",
        "0",
        "--token",
        token,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        base_url = ""
        while not base_url:
            line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
            assert line, "the emulator exited early"
            if match := re.search(r'api_base_url = "(.+)"', line):
                base_url = match.group(1)
        async with Bot(token, base_url=base_url) as bot:
            assert (await bot.get_me()).id == 6000000001
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)
        await process.stdout.read()
    assert process.returncode == 0
