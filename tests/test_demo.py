"""The newcomer's first command plays a whole day and leaves its files behind."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from bot.demo.script import DRIVERS, play_day
from tests.e2e.helpers import decode


async def test_demo_day_writes_transcript_qr_images_board_export_sheet_and_audit(
    tmp_path: Path,
) -> None:
    transcript = await play_day(tmp_path, telegram_limits=False)
    text = transcript.read_text(encoding="utf-8")
    for heading in ("Onboarding", "manifest", "Dispatch", "gate", "Delivery", "Back in China"):
        assert heading in text
    # The bad manifest is refused with its rows named; the good one is imported and sent.
    assert "第 5 行" in text and "第 6 行" in text and "+77019990000" in text
    assert (tmp_path / "manifest-with-errors.csv").is_file()
    with sqlite3.connect(tmp_path / "ferryman-demo.sqlite3") as db:
        codes = dict(
            db.execute(
                "SELECT v.vin, a.clearance_code FROM assignments a JOIN vehicles v"
                " ON v.id = a.vehicle_id"
            ).fetchall()
        )
        statuses = {row[0] for row in db.execute("SELECT status FROM assignments")}
        (integrity,) = db.execute("PRAGMA integrity_check").fetchone()
    assert statuses == {"delivered"} and integrity == "ok"
    assert set(codes) == {driver.vin for driver in DRIVERS}  # from the manifest, no more
    for driver in DRIVERS:
        image = (tmp_path / "qr" / f"{driver.vin}.png").read_bytes()
        assert decode(image) == [codes[driver.vin]]
    # At the gate: the photographed QR passes, the forged code does not.
    assert "✅" in text.split("Serik Ospanov** photographs")[1].split("types /verify")[0]
    assert "❌" in text.split("types /verify")[1].split("**")[0]
    assert "12,045 米" in text  # the flagged delivery reaches the dispatcher
    assert "Flat tyre" in text
    # The office's end of the day: the summary, the board, the export and the sheet.
    assert "📊" in text and "/board" in text and "/export" in text and "/qrsheet" in text
    _office_files(tmp_path)


def _office_files(tmp_path: Path) -> None:
    assert (tmp_path / "board.png").read_bytes().startswith(b"\x89PNG")
    assert "#2" in (tmp_path / "board.txt").read_text(encoding="utf-8")
    # The demo plays today: the files carry today's date.
    (export_csv,) = tmp_path.glob("ferryman-*.csv")
    (export_xlsx,) = tmp_path.glob("ferryman-*.xlsx")
    (sheet,) = tmp_path.glob("qr-sheet-*.pdf")
    exported = export_csv.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == len(DRIVERS)
    workbook = load_workbook(export_xlsx, read_only=True)
    sheet_rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(sheet_rows) == len(DRIVERS) + 1  # the header and one row per trip
    assert sheet.read_bytes().startswith(b"%PDF")
    audit = (tmp_path / "audit.md").read_text(encoding="utf-8")
    assert "deliver by 潘广德" in audit and "created by Li Wei" in audit
    assert "clearance_verified by Serik Ospanov" in audit
