"""The newcomer's first command plays a whole day and leaves its files behind.

The transcript is read the way a person reads the chats: who got which message.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook

from bot.clearance.fonts import find_cjk_font
from bot.demo.cast import (
    DRIVERS,
    FLAGGED,
    GUARD_NAME,
    LATE,
    OVER_VISA,
    PLACES,
    PROBLEM,
    REUSED,
    SPARE,
    one,
)
from bot.demo.script import play_day
from bot.i18n import Translator
from bot.services.dispatch import REASONS, Reason
from bot.services.reminders import ADMIN_TEXT, DRIVER_TEXT, Step
from handlers.proof import PHOTO_REUSED
from tests.e2e.helpers import decode

ADMIN = "Дана Сейткалиева"
tr = Translator.load("zh")


def _before(msgid: str, language: str) -> str:
    """The words of a translated message before its first value (enough to recognise it)."""
    return re.split(r"\{\w+\}", tr.get(language, msgid))[0]


def _chats(transcript: str) -> dict[str, list[str]]:
    """Every message (and edit) each person got, as written in the transcript."""
    chats: dict[str, list[str]] = defaultdict(list)
    current: list[str] | None = None
    for line in transcript.splitlines():
        got = re.match(r"- `[^`]*` Ferryman (?:→|edits its message to) (.+):$", line)
        if got is not None:
            chats[got.group(1)].append("")
            current = chats[got.group(1)]
        elif line.startswith("    >") and current is not None:
            current[-1] += line[6:] + "\n"
        else:
            current = None
    return chats


async def test_demo_day_plays_every_part_and_writes_its_files(tmp_path: Path) -> None:
    transcript = await play_day(tmp_path, telegram_limits=False)
    text = transcript.read_text(encoding="utf-8")
    chats = _chats(text)
    admin = "\n".join(chats[ADMIN])

    # Twenty drivers registered in four languages, each in the database once.
    with sqlite3.connect(tmp_path / "ferryman-demo.sqlite3") as db:
        languages = dict(db.execute("SELECT name, language FROM drivers").fetchall())
        trips = {
            vin: (status, driver)
            for vin, status, driver in db.execute(
                "SELECT v.vin, a.status, d.name FROM assignments a"
                " JOIN vehicles v ON v.id = a.vehicle_id JOIN drivers d ON d.id = a.driver_id"
            )
        }
        codes = dict(
            db.execute(
                "SELECT v.vin, a.clearance_code FROM assignments a"
                " JOIN vehicles v ON v.id = a.vehicle_id"
            ).fetchall()
        )
        confirmed = db.execute(
            "SELECT count(*) FROM events WHERE kind = 'receiver_confirmed'"
        ).fetchone()[0]
        (integrity,) = db.execute("PRAGMA integrity_check").fetchone()
    assert languages == {d.name: d.language for d in DRIVERS} and integrity == "ok"
    assert set(languages.values()) == {"zh", "ru", "kk", "en"}

    # The manifest with two bad rows is refused, both named; the fixed one is imported.
    assert "manifest-with-errors.csv" in admin and "+77019990000" in admin
    assert (tmp_path / "manifest-with-errors.csv").is_file()
    assert len(trips) == len(DRIVERS) - 1  # everyone but the spare

    # The driver over the visa-free limit never got his trip; the admins got the reason.
    held = one(OVER_VISA)
    assert trips[held.vin] == ("planned", held.name)
    assert not any("[photo]" in m for m in chats[held.name])
    reason = _before(REASONS[Reason.VISA], "ru")
    assert any(held.name in m and reason in m for m in chats[ADMIN])

    # The declined trip went to the spare with the alert's button, and he delivered it.
    spare = one(SPARE)
    assert [s for s, driver in trips.values() if driver == spare.name] == ["delivered"]
    assert [s for s, _ in trips.values()].count("delivered") == len(DRIVERS) - 2

    # Late for the pick-up: the driver's reminder, then the admins'.
    late = one(LATE)
    pickup = _before(DRIVER_TEXT[Step.PICKUP_DRIVER], late.language)
    assert any(m.startswith(pickup) for m in chats[late.name])
    assert _before(ADMIN_TEXT[Step.PICKUP_ADMINS], "ru") in admin

    # At the gate: the photographed QR passes, the forged copy (another car's VIN) does not.
    assert chats[GUARD_NAME][0].startswith("✅") and chats[GUARD_NAME][1].startswith("❌")
    (forged,) = decode((tmp_path / "forged-qr.png").read_bytes())
    assert forged not in codes.values()

    # The same photo twice is refused; the flagged delivery reaches the admins with its album.
    reused = one(REUSED)
    assert any(m.startswith(_before(PHOTO_REUSED, "en")) for m in chats[reused.name])
    assert one(FLAGGED).name in admin and "[photo (album)]" in admin
    assert confirmed == 3  # receivers signed off through the handover link

    # A flat tyre with a voice note; the group's digests and the day's summary.
    assert one(PROBLEM).name in admin and "[voice note, 9 s]" in admin
    assert any("📊" in m for m in chats["霍尔果斯调度群 · Horgos dispatch"])

    # Every QR the drivers got scans to the trip's code.
    for path in (tmp_path / "qr").glob("*.png"):
        assert decode(path.read_bytes()) == [codes[path.stem]]
    assert len(list((tmp_path / "qr").glob("*.png"))) == len(trips) - 1  # one held back

    # Nobody reading Chinese, Russian or Kazakh sees a place named in English.
    english = [p["name"] for p in PLACES]
    readers = {d.name for d in DRIVERS if d.language != "en"} | {ADMIN, GUARD_NAME, "李伟"}
    for reader in readers:
        for message in chats[reader]:
            assert not any(name in message for name in english), (reader, message)
    _office_files(tmp_path)


def _office_files(tmp_path: Path) -> None:
    assert (tmp_path / "board.png").read_bytes().startswith(b"\x89PNG")
    # The board image names Chinese drivers: it is drawn with a CJK font.
    assert find_cjk_font() is not None, "no CJK font: apt-get install fonts-wqy-microhei"
    assert one(OVER_VISA).name in (tmp_path / "board.txt").read_text(encoding="utf-8")
    (export_csv,) = tmp_path.glob("ferryman-*.csv")
    (export_xlsx,) = tmp_path.glob("ferryman-*.xlsx")
    (sheet,) = tmp_path.glob("qr-sheet-*.pdf")
    rows = list(csv.DictReader(io.StringIO(export_csv.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == len(DRIVERS) - 1
    workbook = load_workbook(export_xlsx, read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows(values_only=True))) == len(rows) + 1
    assert sheet.read_bytes().startswith(b"%PDF")
    audit = (tmp_path / "audit.md").read_text(encoding="utf-8")
    assert f"clearance_verified by {GUARD_NAME}" in audit
    assert f"created by {ADMIN}" in audit and "admin_added by 李伟" in audit
