"""Shared fixtures: the Bot API emulator, settings, a fixed clock, and the running Ferryman.

End-to-end tests run the real Application (``bot.app.build_application`` + ``running``) over
real HTTP against the emulator, with a temporary database::

    async def test_start(emulator, ferryman):
        pan = emulator.user("Pan Guangde", lang="zh")
        await pan.send("/start")
        assert "Horgos" in (await pan.next_message()).text
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.config import Settings, parse_settings
from bot.state import FerrymanApp
from botapi_emulator import Emulator

# 08:30 in Horgos (UTC+8) on a Monday.
FIXED_NOW = datetime(2025, 3, 10, 0, 30, tzinfo=UTC)
OWNER_ID = 900_000_001
GROUP_CHAT_ID = -4_000_009_999
WEBHOOK_SECRET = "emulator-webhook-secret"
SIGNING_KEY = "test-signing-key-0123456789abcdef"

DEFAULT_PLACES: list[dict[str, Any]] = [
    {
        "code": "horgos-yard",
        "name": "Horgos Export Vehicle Yard",
        "kind": "yard",
        "latitude": 44.2140,
        "longitude": 80.4080,
    },
    {
        "code": "nur-zholy",
        "name": "Nur Zholy checkpoint",
        "kind": "checkpoint",
        "latitude": 44.2085,
        "longitude": 80.3400,
    },
    {
        "code": "zharkent-lot",
        "name": "Zharkent delivery lot",
        "kind": "lot",
        "latitude": 44.1630,
        "longitude": 80.0020,
    },
]


# The same places as the other tests, with names in the readers' languages.
NAMED_PLACES: list[dict[str, Any]] = [
    {
        **DEFAULT_PLACES[0],
        "names": {
            "zh": "霍尔果斯出口车辆堆场",
            "ru": "Хоргосская экспортная площадка",
            "kk": "Қорғас экспорттық көлік алаңы",
        },
    },
    DEFAULT_PLACES[1],
    {
        **DEFAULT_PLACES[2],
        "names": {
            "zh": "扎尔肯特交车场",
            "ru": "Площадка выдачи в Жаркенте",
            "kk": "Жаркент жеткізу алаңы",
        },
    },
]


def pytest_configure(config: pytest.Config) -> None:
    # PTB 22 warns from inside RetryAfter.__init__ whenever Telegram (or the emulator) answers
    # 429, so with filterwarnings=error no flood-control test could run. Only that warning
    # is silenced; reading other int time periods in our code still fails loudly.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:.*attribute `retry_after` will be of type:telegram.warnings.PTBDeprecationWarning",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class MakeSettings(Protocol):
    def __call__(
        self,
        *,
        mode: str = "polling",
        owners: tuple[int, ...] = (OWNER_ID,),
        group_chat_id: int | None = GROUP_CHAT_ID,
        extra: Mapping[str, Any] | None = None,
    ) -> Settings: ...


StartFerryman = Callable[..., Awaitable[FerrymanApp]]


@pytest.fixture
def clock() -> FixedClock:
    """The bot's clock, fixed at FIXED_NOW; the emulator dates messages by it too."""
    return FixedClock(FIXED_NOW)


@pytest.fixture
async def emulator(clock: FixedClock) -> AsyncIterator[Emulator]:
    """The Bot API emulator on a free port; flood control off (tests switch it on)."""
    emu = Emulator(flood=False, clock=clock.now)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def make_settings(tmp_path: Path, emulator: Emulator) -> MakeSettings:
    """Settings pointing at the emulator, with a temporary database and media folder.

    ``extra`` is merged into the TOML document (e.g. ``{"delivery": {...}}``).
    """

    def make(
        *,
        mode: str = "polling",
        owners: tuple[int, ...] = (OWNER_ID,),
        group_chat_id: int | None = GROUP_CHAT_ID,
        extra: Mapping[str, Any] | None = None,
    ) -> Settings:
        telegram: dict[str, Any] = {
            "token": emulator.token,
            "api_base_url": emulator.api_base_url,
            "api_file_url": emulator.api_file_url,
            "mode": mode,
        }
        if mode == "webhook":
            port = free_port()
            telegram.update(
                listen=f"127.0.0.1:{port}",
                webhook_url=f"http://127.0.0.1:{port}/telegram",
                secret_token=WEBHOOK_SECRET,
            )
        company: dict[str, Any] = {
            "name": "Horgos Auto Export",
            "timezone": "Asia/Shanghai",
            "owners": list(owners),
        }
        if group_chat_id is not None:
            company["group_chat_id"] = group_chat_id
        data: dict[str, Any] = {
            "telegram": telegram,
            "company": company,
            "storage": {
                "database": str(tmp_path / "ferryman.sqlite3"),
                "media_dir": str(tmp_path / "media"),
            },
            "clearance": {"active_key_id": "k1", "keys": {"k1": SIGNING_KEY}},
            "places": DEFAULT_PLACES,
        }
        if extra:
            data = _merge(data, extra)
        # env={} so a developer's FERRYMAN_* variables never leak into tests.
        return parse_settings(data, str(tmp_path / "config.toml"), env={})

    return make


@pytest.fixture
async def start_ferryman(
    make_settings: MakeSettings, clock: FixedClock
) -> AsyncIterator[StartFerryman]:
    """``await start_ferryman(mode="webhook", settings=None, **make_settings_kwargs)``.

    Builds the Application from settings and runs it (polling or webhook) against the
    emulator; everything started is stopped at teardown, newest first.
    """
    async with AsyncExitStack() as stack:

        async def start(
            mode: str = "polling", settings: Settings | None = None, **kwargs: Any
        ) -> FerrymanApp:
            chosen = settings or make_settings(mode=mode, **kwargs)
            app = build_application(chosen, clock)
            return await stack.enter_async_context(running(app, chosen, clock))

        yield start


@pytest.fixture
async def ferryman(request: pytest.FixtureRequest, start_ferryman: StartFerryman) -> FerrymanApp:
    """The running bot, polling; parametrize indirectly with "webhook" for webhook mode."""
    mode = getattr(request, "param", "polling")
    return await start_ferryman(mode=mode)
