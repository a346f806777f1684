"""The newcomer's first command plays a whole day and leaves its files behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.demo.script import DRIVERS, play_day
from tests.e2e.helpers import decode


async def test_demo_day_writes_transcript_qr_images_and_audit(tmp_path: Path) -> None:
    transcript = await play_day(tmp_path, telegram_limits=False)
    text = transcript.read_text(encoding="utf-8")
    for heading in ("Onboarding", "Dispatch", "Delivery", "Back in China"):
        assert heading in text
    assert "12,045 米" in text  # the flagged delivery reaches the dispatcher
    assert "Flat tyre" in text
    with sqlite3.connect(tmp_path / "ferryman-demo.sqlite3") as db:
        codes = dict(
            db.execute(
                "SELECT v.vin, a.clearance_code FROM assignments a JOIN vehicles v"
                " ON v.id = a.vehicle_id"
            ).fetchall()
        )
        statuses = {row[0] for row in db.execute("SELECT status FROM assignments")}
    assert statuses == {"delivered"}
    for driver in DRIVERS:
        image = (tmp_path / "qr" / f"{driver.vin}.png").read_bytes()
        assert decode(image) == [codes[driver.vin]]
    assert "deliver" in (tmp_path / "audit.md").read_text(encoding="utf-8")
