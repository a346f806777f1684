"""What reaches the terminal of `ferryman run` never holds the bot token, even when
python-telegram-bot itself prints it ("The token `…` was rejected by the server")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from botapi_emulator import Emulator
from tests.production.helpers import SIGNING_KEY, start_process, write_config

REVOKED = "5000000002:AARevokedTokenThatTheServerRefuses_77"


async def run_ferryman(config: Path, *argv: str, token: str) -> tuple[int, str, str]:
    """`ferryman run` in its own process until it ends; (exit code, out, err)."""
    process = await start_process(config, *argv, token=token)
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
