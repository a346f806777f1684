from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clearance import ClearanceService
from bot.config import Settings, parse_settings
from storage.db import Database
from storage.repositories import Repositories

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    data["storage"] = {"database": "ferryman.sqlite3", "media_dir": "media"}
    data["company"]["owners"] = [1000]
    return parse_settings(data, str(tmp_path / "config.toml"), env={})


@pytest.fixture
async def repos(settings: Settings) -> AsyncIterator[Repositories]:
    db = await Database.open(settings.storage.database)
    repositories = Repositories.build(db)
    await repositories.places.sync(settings.places)
    yield repositories
    await db.close()


@pytest.fixture
async def clearance(settings: Settings) -> AsyncIterator[ClearanceService]:
    service = ClearanceService(settings.clearance)
    yield service
    await service.close()
