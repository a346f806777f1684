"""``ferryman emulator``: run the Bot API emulator standalone (demo, manual testing)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from botapi_emulator.emulator import DEFAULT_TOKEN, Emulator


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("emulator", help="run the local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0: any free port)")
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        help=f"bot token to accept (repeatable; default {DEFAULT_TOKEN})",
    )
    parser.add_argument(
        "--flood",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Telegram's flood control (429 with retry_after); on by default",
    )
    parser.set_defaults(func=cmd_emulator)


def cmd_emulator(args: argparse.Namespace) -> int:
    asyncio.run(serve(args.host, args.port, args.tokens or [DEFAULT_TOKEN], args.flood))
    return 0


async def serve(host: str, port: int, tokens: list[str], flood: bool) -> None:
    emulator = Emulator(tokens, flood=flood)
    await emulator.start(host, port)
    print(
        f"Bot API emulator listening on {emulator.url} (flood control {'on' if flood else 'off'})"
    )
    print("Put this in the [telegram] table of config.toml:")
    print(f'  api_base_url = "{emulator.api_base_url}"')
    print(f'  api_file_url = "{emulator.api_file_url}"')
    for token in tokens:
        print(f'  token = "{token}"')
    print("Ctrl-C stops it.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()
