"""The dispatcher sees the day: import → dispatch → the driver has the QR → /board says sent;
/late, /driver and /export; none of it for drivers, checkpoint staff or strangers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from PIL import Image

from bot.clock import FixedClock
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import FIXED_NOW
from tests.e2e.admin_helpers import settled
from tests.e2e.conftest import CHECKPOINT_ID
from tests.e2e.helpers import decode, state_of, tap
from tests.services.manifest_helpers import make_vin, row, to_csv

DAY = FIXED_NOW.date()


async def import_day(owner: EmulatedUser) -> None:
    rows = [
        row(DAY, "13900000001", make_vin(1), pickup_time="10:00"),
        row(DAY, "+7 701 123 4567", make_vin(2), pickup_time="08:00"),
    ]
    await owner.send_document(to_csv(rows).encode(), "day.csv")
    preview = await settled(await owner.next_message())
    await tap(owner, preview, "✅ Import")
    assert "Imported 2 trips" in ((await settled(preview, changed_from=preview.text)).text or "")


async def test_import_dispatch_qr_and_the_board_shows_it_sent(
    office: Any, clock: FixedClock
) -> None:
    app, owner, pan = office
    await import_day(owner)
    await owner.send("/dispatch")
    assert (await owner.next_message()).text == (
        "📤 Dispatch for 2025-03-10: 1 trips queued now, 0 already queued or sent, 1 held back "
        "(listed in a separate message)."
    )
    held = (await owner.next_message()).text or ""
    assert held.startswith("🚫 Not dispatched for 2025-03-10 (1):") and "Marat" in held
    photo = await pan.next_message()
    trips = await state_of(app).repos.assignments.for_day(DAY)
    assert decode(photo.file_bytes()) == [trips[0].clearance_code]

    await owner.send("/board")
    text, picture = await owner.next_messages(2)
    board = text.text or ""
    assert board.startswith("📋 Board for 2025-03-10: 2 trips")
    assert "planned 1 · sent 1" in board
    # Marat's trip was due at the yard at 08:00; it is 08:30 and he has no Telegram yet.
    assert "⏰ Late (1):" in board and "pickup was due 08:00 (UTC+8)" in board
    assert "📭 Not dispatched (1):" in board and "driver not registered in the bot" in board
    assert text.buttons == ["🔄 Refresh"]
    with Image.open(io.BytesIO(picture.file_bytes())) as image:
        assert image.width == 1080

    clock.advance(timedelta(hours=2))  # now Pan is late for pickup too
    await tap(owner, text, "🔄 Refresh")
    refreshed = await settled(text, changed_from=board)
    assert "⏰ Late (2):" in (refreshed.text or "")

    await owner.send("/late")
    late = (await owner.next_message()).text or ""
    assert late.startswith("⏰ Late (2):") and "潘广德" in late and "Marat" in late


async def test_driver_profile_by_phone_or_name(office: Any) -> None:
    app, owner, pan = office
    await import_day(owner)
    await owner.send("/driver +86 139 0000 0001")
    profile = (await owner.next_message()).text or ""
    assert profile.startswith("👤 潘广德 · 8613900000001")
    assert "Visa-free days: 0 of 90 used in 180 days (90 left)" in profile
    assert "Passport E12345678, valid until 2030-01-01" in profile
    assert f"2025-03-10 #1 {make_vin(1)} → Zharkent delivery lot: planned" in profile
    await owner.send("/driver marat")
    assert "in the bot: no" in ((await owner.next_message()).text or "")
    pan_driver = await state_of(app).repos.drivers.by_telegram_id(pan.id)
    assert pan_driver is not None
    await state_of(app).repos.drivers.mark_unreachable(pan.id, FIXED_NOW)
    await owner.send("/driver 潘广德")
    assert "⚠️ Cannot be reached in Telegram since 2025-03-10 08:30 (UTC+8)" in (
        (await owner.next_message()).text or ""
    )
    await owner.send("/driver Nobody")
    assert "No driver matches" in ((await owner.next_message()).text or "")


async def test_export_sends_csv_and_xlsx(office: Any) -> None:
    _, owner, _ = office
    await import_day(owner)
    await owner.send("/export 2025-03-10")
    csv_file, xlsx_file = await owner.next_messages(2)
    assert csv_file.document and csv_file.document["file_name"] == "ferryman-2025-03-10.csv"
    records = list(csv.DictReader(io.StringIO(csv_file.file_bytes().decode("utf-8-sig"))))
    assert [r["vin"] for r in records] == [make_vin(1), make_vin(2)]
    assert records[0]["pickup_time"] == "2025-03-10 10:00 (UTC+8)"
    assert records[0]["created_at"] == "2025-03-10 08:30 (UTC+8)"
    workbook = load_workbook(io.BytesIO(xlsx_file.file_bytes()), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows())) == 3
    workbook.close()
    assert "2 trips, 2025-03-10 – 2025-03-10" in (xlsx_file.caption or "")
    await owner.send("/export 2025-03-10 2025-03-01")
    assert "Usage: /export" in ((await owner.next_message()).text or "")


async def test_drivers_checkpoint_staff_and_strangers_see_no_board(
    office: Any, emulator: Emulator
) -> None:
    _, _, pan = office
    checkpoint = emulator.user("Gate", lang="en", started=True, user_id=CHECKPOINT_ID)
    stranger = emulator.user("Nobody", lang="en", started=True)
    commands = ("/board", "/late", "/driver Marat", "/export")
    for person in (pan, checkpoint, stranger):
        for command in commands:
            await person.send(command)
    assert all("管理员" in (m.text or "") for m in await pan.next_messages(len(commands)))
    for person in (checkpoint, stranger):
        replies = await person.next_messages(len(commands))
        assert all("for company admins" in (r.text or "") for r in replies)
