"""What reaches the terminal of `ferryman run` never holds the bot token, even when
python-telegram-bot itself prints it ("The token `…` was rejected by the server")."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from botapi_emulator import Emulator

REVOKED = "5000000002:AARevokedTokenThatTheServerRefuses_77"
SIGNING_KEY = "terminal-test-signing-key-0123456789"


def write_config(folder: Path, base_url: str, file_url: str) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
api_base_url = "{base_url}"
api_file_url = "{file_url}"

[storage]
database = "ferryman.sqlite3"

[clearance]
active_key_id = "k1"
keys = {{ k1 = "{SIGNING_KEY}" }}
""",
        encoding="utf-8",
    )
    return path


async def run_ferryman(config: Path, *argv: str, token: str) -> tuple[int, str, str]:
    """`ferryman run` in its own process, as an operator starts it; (exit code, out, err)."""
    env = {**os.environ, "FERRYMAN_BOT_TOKEN": token}
    env.pop("FERRYMAN_SIGNING_KEYS", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        *argv,
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "verbose"])
@pytest.mark.parametrize("fault", ["revoked-token", "wrong-base-url"])
async def test_a_refused_start_never_prints_the_token(
    emulator: Emulator, tmp_path: Path, fault: str, verbose: bool
) -> None:
    if fault == "revoked-token":
        token = REVOKED  # the emulator answers 401, as Telegram does for a revoked token
        base_url = emulator.api_base_url
    else:
        token = emulator.token
        base_url = emulator.api_base_url.replace("/bot", "/typo/bot")  # 404, like a typo'd URL
    config = write_config(tmp_path, base_url, emulator.api_file_url)
    code, out, err = await run_ferryman(config, *(["-v"] if verbose else []), token=token)

    assert code == 2
    assert token not in out + err
    secret_part = token.partition(":")[2]
    assert secret_part not in out + err
    assert SIGNING_KEY not in out + err
    assert "the bot token was refused" in err
    if not verbose:
        assert "Traceback" not in err
