"""`ferryman run` as an operator starts it: a settings file and a process of its own."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

SIGNING_KEY = "production-test-signing-key-0123456789"


def write_config(folder: Path, base_url: str, file_url: str) -> Path:
    """Minimal settings pointing at a Bot API server (the emulator, or nothing at all)."""
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
api_base_url = "{base_url}"
api_file_url = "{file_url}"

[company]
name = "Horgos Auto Export"

[storage]
database = "ferryman.sqlite3"

[clearance]
active_key_id = "k1"
keys = {{ k1 = "{SIGNING_KEY}" }}
""",
        encoding="utf-8",
    )
    return path


async def start_process(config: Path, *argv: str, token: str) -> asyncio.subprocess.Process:
    """`ferryman [argv] run --config CONFIG` with the token in the environment."""
    env = {**os.environ, "FERRYMAN_BOT_TOKEN": token}
    env.pop("FERRYMAN_SIGNING_KEYS", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *argv,
        "run",
        "--config",
        str(config),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
