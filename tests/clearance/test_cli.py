"""`ferryman qrsheet --date … --out …` writes the day's sheet from the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.domain.models import ClearanceKind
from storage.db import Database
from storage.repositories import Repositories
from tests.clearance.conftest import PLACES
from tests.clearance.helpers import NOW, SECRET_1, SERVICE_DATE, vin
from tests.clearance.test_sheet import pdf_codes

CONFIG = f"""
[company]
timezone = "Asia/Shanghai"
default_language = "en"
[storage]
database = "db.sqlite3"
[clearance]
active_key_id = "k1"
keys = {{ k1 = "{SECRET_1}" }}
"""


async def _seed(path: Path) -> list[str]:
    db = await Database.open(path)
    try:
        repos = Repositories.build(db)
        await repos.places.sync(PLACES)
        yard, lot = (
            await repos.places.by_code("horgos-yard"),
            await repos.places.by_code("almaty-lot"),
        )
        assert yard is not None and lot is not None
        codes = []
        for serial, imported in ((1, ""), (2, "KZ-0002")):
            vehicle = await repos.vehicles.upsert(vin(serial), "Geely Monjaro")
            a = await repos.assignments.create(
                service_date=SERVICE_DATE,
                vehicle_id=vehicle.id,
                pickup_place_id=yard.id,
                destination_place_id=lot.id,
                pickup_at=NOW,
                deliver_by=NOW + timedelta(hours=6),
                now=NOW,
                clearance_code=imported,
                clearance_kind=ClearanceKind.IMPORTED if imported else ClearanceKind.GENERATED,
            )
            codes.append(a.clearance_code)
        return codes
    finally:
        await db.close()


def test_qrsheet_writes_a_pdf_whose_codes_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FERRYMAN_SIGNING_KEYS", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    stored = asyncio.run(_seed(load_settings(config).storage.database))
    out = tmp_path / "out" / "sheet.pdf"
    args = ["--config", str(config), "qrsheet", "--date", "2026-11-30", "--out", str(out)]
    assert main(args) == 0
    assert "2 codes for 2026-11-30 on 1 A4 pages" in capsys.readouterr().out
    pages, codes, _ = pdf_codes(out.read_bytes())
    assert pages == 1 and len(codes) == 2
    assert "KZ-0002" in codes and stored[0] == ""  # the generated one was signed on the fly
    assert any(code.startswith("FM1.k1.") for code in codes)


def test_qrsheet_refuses_a_bad_date(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["qrsheet", "--date", "30.11.2026"])
