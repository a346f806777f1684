"""`ferryman demo --out DIR`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser(
        "demo", help="play a compressed day offline against the built-in Bot API emulator"
    )
    demo.add_argument("--out", default="demo-output", help="folder for the demo's files")
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from bot.demo.script import play_day

    if not args.verbose:
        # The transcript tells the story; library chatter (rate-limit waits) would drown it.
        for noisy in ("telegram", "apscheduler", "httpx", "aiohttp", "botapi_emulator"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    print("Playing a compressed day at Horgos against the local Bot API emulator (~30 s)…")
    out = Path(args.out)
    transcript = asyncio.run(play_day(out))
    print(f"Demo day played. Transcript: {transcript}")
    print(f"Clearance QR images: {out / 'qr'}; audit trail: {out / 'audit.md'}")
    print(f"Database: {out / 'ferryman-demo.sqlite3'}; delivery photos: {out / 'media'}")
    return 0
