"""An admin imports the day's manifest from the phone: templates, checks, preview, import."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from botapi_emulator import Emulator
from tests.conftest import FIXED_NOW
from tests.e2e.admin_helpers import settled
from tests.e2e.conftest import CHECKPOINT_ID
from tests.e2e.helpers import state_of, tap
from tests.services.manifest_helpers import make_vin, row, to_csv, to_xlsx

DAY = FIXED_NOW.date()  # 2025-03-10; it is 08:30 in Horgos


def manifest_rows() -> list[list[str]]:
    return [
        row(DAY, "+86 139-0000-0001", make_vin(1), pickup_time="10:00"),
        row(DAY, "87011234567", make_vin(2), destination="Zharkent delivery lot"),
    ]


async def test_templates_carry_the_columns(office: Any) -> None:
    _, owner, _ = office
    await owner.send("/template")
    csv_file, xlsx_file = await owner.next_messages(2)
    assert csv_file.document and csv_file.document["file_name"] == "manifest-template.csv"
    header = next(csv.reader(io.StringIO(csv_file.file_bytes().decode("utf-8-sig"))))
    assert header[:3] == ["date", "driver_phone", "vin"] and header[-1] == "notes"
    assert xlsx_file.document and xlsx_file.document["file_name"].endswith(".xlsx")
    assert "pickup_time HH:MM" in (xlsx_file.caption or "")


async def test_a_gb18030_csv_is_previewed_and_imported(office: Any) -> None:
    app, owner, _ = office
    await owner.send("/import")
    assert "CSV or XLSX" in ((await owner.next_message()).text or "")
    data = to_csv(manifest_rows()).encode("gb18030")
    await owner.send_document(data, "day.csv", mime_type="text/csv")
    preview = await settled(await owner.next_message())
    assert preview.text == (
        "day.csv: 2 trips, 2 drivers, 2025-03-10. Every row checked. Import them?"
    )
    # The trips are for today: the scheduled dispatches are past, so it can go out at once.
    assert preview.buttons == ["✅ Import", "📤 Import and send now", "✖️ Cancel"]
    await tap(owner, preview, "✅ Import")
    done = await settled(preview, changed_from=preview.text)
    assert (done.text or "").startswith("✅ Imported 2 trips (#1–#2) for 2025-03-10.")
    assert not done.inline_keyboard
    trips = await state_of(app).repos.assignments.for_day(DAY)
    assert [t.status for t in trips] == [Status.PLANNED, Status.PLANNED]
    kinds = [e.kind for e in await state_of(app).repos.events.all()]
    assert kinds.count(EventKind.CREATED) == 2 and EventKind.MANIFEST_IMPORTED in kinds


async def test_an_xlsx_preview_can_be_cancelled(office: Any) -> None:
    app, owner, _ = office
    await owner.send_document(to_xlsx(manifest_rows()), "day.xlsx")
    preview = await settled(await owner.next_message())
    assert "2 trips, 2 drivers" in (preview.text or "")
    await tap(owner, preview, "✖️ Cancel")
    assert (
        await settled(preview, changed_from=preview.text)
    ).text == "Import cancelled; nothing was stored."
    assert await state_of(app).repos.assignments.for_day(DAY) == []


async def test_seven_bad_rows_are_named_in_the_admins_language(
    office: Any, emulator: Emulator
) -> None:
    app, _, _ = office
    state = state_of(app)
    chen = emulator.user("Chen", lang="zh", started=True)
    await state.repos.admins.add(chen.id, added_by=0, now=FIXED_NOW)
    bad_vin = make_vin(3)
    rows = [
        row(DAY, "8613900000001", make_vin(1)),  # line 2 is fine
        row(DAY, "8613900000009", make_vin(2)),  # 3: unknown phone
        row(DAY, "87011234567", bad_vin[:8] + "X" + bad_vin[9:]),  # 4: check digit
        row(DAY, "87011234567", make_vin(4), pickup="mars"),  # 5: unknown place
        row(DAY, "87011234567", make_vin(5), pickup_time="9 am"),  # 6: time
        row(DAY, "87011234567", make_vin(6), deliver_by="2025-03-10 07:00"),  # 7: before pickup
        row(DAY, "87011234567", make_vin(1)),  # 8: the car of line 2 again
        row(DAY, "87011234567", make_vin(8), receiver_phone="12"),  # 9: receiver phone
    ]
    await chen.send_document(to_csv(rows).encode(), "day.csv")
    report = await settled(await chen.next_message())
    text = report.text or ""
    assert text.startswith("❌ day.csv：8 行中有 7 行有问题。没有导入任何内容。")
    for line in range(3, 10):
        assert f"第 {line} 行：" in text
    assert "第 2 行：" not in text and not report.inline_keyboard
    assert "校验位" in text and "mars" in text and "“9 am”不是时间" in text
    assert await state.repos.assignments.for_day(DAY) == []


async def test_a_file_too_large_or_with_wrong_columns_is_refused_whole(office: Any) -> None:
    _, owner, _ = office
    await owner.send_document(to_csv([], header=["datum", "phone"]).encode(), "x.csv")
    reply = await settled(await owner.next_message())
    assert (reply.text or "").startswith("❌ x.csv: The first row must be exactly these columns")


async def test_drivers_checkpoint_staff_and_strangers_cannot_import(
    office: Any, emulator: Emulator
) -> None:
    app, _, pan = office
    checkpoint = emulator.user("Gate", lang="en", started=True, user_id=CHECKPOINT_ID)
    stranger = emulator.user("Nobody", lang="en", started=True)
    for person in (pan, checkpoint, stranger):
        await person.send("/template")
        await person.send_document(to_csv(manifest_rows()).encode(), "day.csv")
    assert "管理员" in ((await pan.next_message()).text or "")
    for person in (checkpoint, stranger):
        replies = await person.next_messages(2)
        assert all("for company admins" in (r.text or "") for r in replies)
    assert await state_of(app).repos.assignments.for_day(DAY) == []


async def test_import_and_send_now_reaches_the_driver(office: Any) -> None:
    app, owner, pan = office
    await owner.send_document(to_csv(manifest_rows()).encode(), "day.csv")
    preview = await settled(await owner.next_message())
    await tap(owner, preview, "📤 Import and send now")
    done = (await settled(preview, changed_from=preview.text)).text or ""
    assert done.startswith("✅ Imported 2 trips (#1–#2) for 2025-03-10.")
    # Marat has no Telegram account yet: held back, and the admins get the list.
    assert "📤 Dispatch for 2025-03-10: 1 trips queued now, 0 already queued or sent, 1 held" in (
        done
    )
    photo = await pan.next_message()
    assert photo.photo and "#1" in (photo.caption or "")
    await state_of(app).outbox.idle()  # the send is recorded once Telegram answers
    trip = await state_of(app).repos.assignments.get(1)
    assert trip is not None and trip.status is Status.SENT


async def test_a_file_for_later_days_cannot_be_sent_at_once(office: Any) -> None:
    _, owner, _ = office
    later = [row(DAY + timedelta(days=3), "13900000001", make_vin(1))]
    await owner.send_document(to_csv(later).encode(), "later.csv")
    preview = await settled(await owner.next_message())
    assert preview.buttons == ["✅ Import", "✖️ Cancel"]


async def test_a_large_file_shows_its_progress(office: Any) -> None:
    app, owner, _ = office
    rows = [
        row(DAY + timedelta(days=n // 2), ("13900000001", "87011234567")[n % 2], make_vin(n))
        for n in range(300)
    ]
    await owner.send_document(to_csv(rows).encode(), "season.csv")
    preview = await settled(await owner.next_message(), within=30)
    assert preview.text == (
        "season.csv: 300 trips, 2 drivers, 2025-03-10 – 2025-08-06 (150 days)."
        " Every row checked. Import them?"
    )
    shown = [h.get("text") for h in preview.history]
    checking = "⏳ Checking season.csv: 300 rows, every one against the drivers, places and "
    assert checking + "bookings…" in shown
    await tap(owner, preview, "✅ Import")
    done = await settled(preview, within=30, changed_from=preview.text)
    assert (done.text or "").startswith("✅ Imported 300 trips (#1–#300)")
    assert len(await state_of(app).repos.assignments.for_day(DAY)) == 2
