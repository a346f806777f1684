"""`ferryman import FILE [--dry-run]` and `ferryman export --from --to --out`."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage.db import Database
from storage.repositories import Repositories
from tests.services.manifest_helpers import make_phone, make_vin, row, to_csv, to_xlsx

CONFIG = """
[company]
timezone = "Asia/Shanghai"
[storage]
database = "db.sqlite3"
[clearance]
active_key_id = "k1"
keys = { k1 = "cli-test-signing-key-0123456789" }
[[places]]
code = "horgos-yard"
name = "Horgos Export Vehicle Yard"
kind = "yard"
latitude = 44.214
longitude = 80.408
[[places]]
code = "zharkent-lot"
name = "Zharkent delivery lot"
kind = "lot"
latitude = 44.163
longitude = 80.002
"""
# The CLI runs on the real clock: the manifest is for the day after tomorrow.
DAY = datetime.now(UTC).date() + timedelta(days=2)


async def _seed(database: Path, drivers: int) -> None:
    db = await Database.open(database)
    try:
        repos = Repositories.build(db)
        for number in range(drivers):
            await repos.drivers.add(
                name=f"司机{number}",
                now=datetime.now(UTC),
                telegram_id=20_000 + number,
                phone=make_phone(number),
            )
    finally:
        await db.close()


async def _trips(database: Path, day: date) -> int:
    db = await Database.open(database)
    try:
        return len(await Repositories.build(db).assignments.for_day(day))
    finally:
        await db.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    asyncio.run(_seed(tmp_path / "db.sqlite3", 3))
    return path


def test_dry_run_checks_and_stores_nothing_then_import_stores(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "day.xlsx"
    manifest.write_bytes(to_xlsx([row(DAY, make_phone(n), make_vin(n)) for n in range(3)]))
    assert main(["--config", str(config), "import", str(manifest), "--dry-run"]) == 0
    assert "OK, 3 trips, 3 drivers" in capsys.readouterr().out
    assert asyncio.run(_trips(tmp_path / "db.sqlite3", DAY)) == 0
    assert main(["--config", str(config), "import", str(manifest)]) == 0
    assert "imported 3 trips" in capsys.readouterr().out
    assert asyncio.run(_trips(tmp_path / "db.sqlite3", DAY)) == 3


def test_a_bad_manifest_is_refused_whole_with_line_numbers(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "day.csv"
    rows = [row(DAY, make_phone(0), make_vin(1)), row(DAY, make_phone(1), "WRONGVIN")]
    manifest.write_bytes(to_csv(rows).encode("gb18030"))
    assert main(["--config", str(config), "import", str(manifest)]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 rows have problems; nothing was imported" in err
    assert "Line 3: vin: WRONGVIN has 8 characters" in err
    assert asyncio.run(_trips(tmp_path / "db.sqlite3", DAY)) == 0


def test_export_writes_csv_and_xlsx_with_zone_named_times(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "day.csv"
    manifest.write_text(to_csv([row(DAY, make_phone(0), make_vin(7))]), encoding="utf-8")
    assert main(["--config", str(config), "import", str(manifest)]) == 0
    out = tmp_path / "out" / "week"
    day = DAY.isoformat()
    assert main(["--config", str(config), "export", "--from", day, "--out", str(out)]) == 0
    assert "week.csv: 1 trips" in capsys.readouterr().out
    (record,) = csv.DictReader(io.StringIO((out.parent / "week.csv").read_text("utf-8-sig")))
    assert record["vin"] == make_vin(7) and record["driver"] == "司机0"
    assert record["pickup_time"] == f"{day} 09:00 (UTC+8)"
    assert record["created_at"].endswith("(UTC+8)")
    workbook = load_workbook(out.parent / "week.xlsx", read_only=True)
    header, first = list(workbook.worksheets[0].iter_rows(values_only=True))[:2]
    workbook.close()
    assert dict(zip(header, first, strict=True))["vin"] == make_vin(7)
