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
        # The transcript tells the story; the bot's and the libraries' own lines would drown
        # it: the console shows the parts of the day as they are played, and any warning.
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("bot.demo").setLevel(logging.INFO)
    print("Playing a day at Horgos against the local Bot API emulator (about a minute)…")
    out = Path(args.out)
    transcript = asyncio.run(play_day(out))
    print(f"Demo day played. Transcript: {transcript}")
    print(f"Clearance QR images: {out / 'qr'}; audit trail: {out / 'audit.md'}")
    print(f"Board: {out / 'board.png'}; export, QR sheet and manifests: {out}")
    print(f"Database: {out / 'ferryman-demo.sqlite3'}; delivery photos: {out / 'media'}")
    return 0
