"""Manifest import: files read, every bad row named, good files stored in one go."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clearance import ClearanceService
from bot.domain.events import EventKind
from bot.domain.models import ClearanceKind
from bot.domain.visa import BorderEvent, BorderEventKind
from bot.services.manifest import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    DriverRecord,
    ManifestContext,
    ManifestRefused,
    Validation,
    normalize_phone,
    problem_lines,
    problems_csv,
    read_manifest,
    template_csv,
    template_xlsx,
    validate,
)
from bot.services.manifest_import import BookedMeanwhile, check_file, store
from storage.repositories import Repositories
from tests.services.helpers import NOW
from tests.services.manifest_helpers import make_phone, make_vin, row, to_csv, to_xlsx

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)


def english(msgid: str, **values: object) -> str:
    return msgid.format(**values)


async def add_drivers(repos: Repositories, count: int) -> None:
    for number in range(count):
        await repos.drivers.add(
            name=f"司机{number}",
            now=NOW,
            telegram_id=10_000 + number,
            # Stored the way Telegram hands over a shared contact: digits, no "+".
            phone=make_phone(number).lstrip("+"),
            passport_expiry=date(2031, 1, 1),
        )


async def check(repos: Repositories, data: bytes, filename: str = "day.csv") -> Validation:
    return await check_file(repos, data, filename, TZ, NOW)


def test_phones_written_differently_are_the_same_phone() -> None:
    same = {"+86 139-0000-0001", "8613900000001", "13900000001", "0086 139 0000 0001"}
    assert {normalize_phone(p) for p in same} == {"+8613900000001"}
    assert normalize_phone("+7 701 123 4567") == normalize_phone("77011234567") == "+77011234567"
    assert normalize_phone("not a phone") is None
    assert normalize_phone("123") is None


def test_the_header_must_be_exact() -> None:
    swapped = [COLUMNS[1], COLUMNS[0], *COLUMNS[2:]]
    with pytest.raises(ManifestRefused) as refused:
        read_manifest(to_csv([], header=swapped).encode())
    assert "date, driver_phone, vin" in str(refused.value)
    with pytest.raises(ManifestRefused, match="no rows"):
        read_manifest(to_csv([]).encode())


def test_limits_are_refused_clearly() -> None:
    with pytest.raises(ManifestRefused, match=r"too large: 5\.0 MB, the limit is 5 MB"):
        read_manifest(b"x" * (MAX_BYTES + 1))
    rows = [row(DAY, make_phone(n), make_vin(n)) for n in range(MAX_ROWS + 1)]
    with pytest.raises(ManifestRefused, match="5001 rows, the limit is 5000"):
        read_manifest(to_csv(rows).encode())


def test_gb18030_and_bom_and_xlsx_read_the_same() -> None:
    rows = [row(DAY, make_phone(1), make_vin(1), notes="小心轻放，电量80%")]
    text = to_csv(rows)
    tables = [
        read_manifest(text.encode("gb18030"), "day.csv"),
        read_manifest("\ufeff".encode() + text.encode(), "day.csv"),
        read_manifest(to_xlsx(rows), "day.xlsx"),
    ]
    assert all(t.rows[0].cells[-1] == "小心轻放，电量80%" for t in tables)
    assert {t.rows[0].cells for t in tables} == {tables[0].rows[0].cells}


def test_excel_typed_cells_come_back_as_text() -> None:
    typed = [
        datetime(2026, 12, 1),
        8613900000001,
        make_vin(1),
        "",
        "",
        "horgos-yard",
        "zharkent-lot",
        datetime(1900, 1, 1, 9, 30).time(),
        datetime(2026, 12, 1, 18, 0),
    ]
    cells = read_manifest(to_xlsx([typed]), "day.xlsx").rows[0].cells
    assert cells[:2] == ("2026-12-01", "8613900000001")
    assert cells[7:9] == ("09:30", "2026-12-01 18:00")


def test_templates_carry_exactly_the_columns() -> None:
    assert template_csv().decode("utf-8-sig").strip() == ",".join(COLUMNS)
    with pytest.raises(ManifestRefused, match="no rows"):
        read_manifest(template_xlsx(), "template.xlsx")


async def test_a_good_file_is_previewed_then_stored_in_one_go(
    repos: Repositories, clearance: ClearanceService
) -> None:
    await add_drivers(repos, 3)
    rows = [
        row(DAY, "+86 139-0000-0000", make_vin(1)),
        row(DAY, "8613900000001", make_vin(2), destination="Almaty delivery lot", code="KZ-77"),
        row(
            DAY + timedelta(days=1),
            "13900000002",
            make_vin(3),
            pickup_time="07:00 Asia/Almaty",
            deliver_by="2026-12-02 20:00 UTC+5",
        ),
    ]
    validation = await check(repos, to_csv(rows).encode())
    assert validation.ok and validation.drivers == 3
    assert validation.days == (DAY, DAY + timedelta(days=1))
    imported = await store(
        repos, clearance, validation.rows, now=NOW, actor=1000, source="test.csv"
    )
    stored = [await repos.assignments.get(i) for i in imported.assignment_ids]
    assert [a.clearance_kind for a in stored if a] == [
        ClearanceKind.GENERATED,
        ClearanceKind.IMPORTED,
        ClearanceKind.GENERATED,
    ]
    first, second, third = (a for a in stored if a)
    assert first.clearance_code.startswith("FM1.") and second.clearance_code == "KZ-77"
    assert first.pickup_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 UTC+8
    assert third.pickup_at == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 07:00 UTC+5
    assert third.deliver_by == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    events = [e.kind for e in await repos.events.all()]
    assert events.count(EventKind.CREATED) == 3
    assert events.count(EventKind.MANIFEST_IMPORTED) == 1
    # The same file again: every row is now booked, so nothing more is stored.
    again = await check(repos, to_csv(rows).encode())
    assert len(again.problems) == 3 and not again.ok
    assert "already has trip" in problem_lines(again.problems, english)[0]


async def test_seven_rows_bad_in_seven_ways_are_all_named(repos: Repositories) -> None:
    await add_drivers(repos, 8)
    await repos.drivers.add(
        name="Old Passport",
        now=NOW,
        telegram_id=99,
        phone="+8613911111111",
        passport_expiry=DAY,
    )
    good = row(DAY, make_phone(0), make_vin(100))
    bad_vin = make_vin(101)
    rows = [
        good,  # line 2
        row(DAY, make_phone(1), bad_vin[:8] + "0" + bad_vin[9:].replace("0", "1", 1)),  # 3
        row(DAY, "+86 139 9999 9999", make_vin(102)),  # 4: nobody has this phone
        row(DAY, make_phone(2), make_vin(103), destination="mars-lot"),  # 5
        row(DAY, make_phone(3), make_vin(104), pickup_time="25:00"),  # 6
        row(DAY, make_phone(4), make_vin(105), deliver_by="2026-12-01 08:00"),  # 7
        row(DAY, make_phone(0), make_vin(106)),  # 8: driver of line 2 again
        row(DAY, "+8613911111111", make_vin(107)),  # 9: passport expires that day
    ]
    validation = await check(repos, to_csv(rows).encode())
    assert not validation.ok  # all or nothing: one good row of eight is not imported
    named = {p.line: p for p in validation.problems}
    assert sorted(named) == [3, 4, 5, 6, 7, 8, 9]
    text = "\n".join(problem_lines(validation.problems, english))
    for expected in (
        "Line 3: vin:",
        "check digit",
        "Line 4: driver_phone: no driver with phone +8613999999999",
        "Line 5: destination: no place with code or name “mars-lot”",
        "Line 6: pickup_time: “25:00” is not a time",
        "Line 7: deliver_by (2026-12-01 08:00) is not after the pickup",
        "Line 8: 司机0 is booked twice on 2026-12-01: also on line 2",
        "Line 9: Old Passport's passport expires on 2026-12-01",
    ):
        assert expected in text
    report = problems_csv(validation.problems, english).decode("utf-8-sig").splitlines()
    assert report[0] == "line," + ",".join(COLUMNS) + ",reason" and len(report) == 8


async def test_a_row_with_many_faults_lists_every_reason(repos: Repositories) -> None:
    bad = row(date(2026, 11, 29), "abc", "LGXCE4CB7R000000I", pickup="zharkent-lot")
    bad[COLUMNS.index("deliver_by")] = "tomorrow"
    bad[COLUMNS.index("clearance_code")] = " FM1.k1.x "
    validation = await check(repos, to_csv([bad]).encode())
    (problem,) = validation.problems
    text = problem_lines(validation.problems, english)[0]
    assert len(problem.reasons) == 6, text
    for expected in (
        "in the past",
        "not a phone",
        "letter I",
        "not a pickup yard",
        "tomorrow",
        "space",
    ):
        assert expected in text


def test_visa_free_days_are_checked_on_the_service_date() -> None:
    crossings = []
    start = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)
    for offset in range(90):  # a day trip every day: 90 days used by early September
        day = start + timedelta(days=offset)
        crossings += [
            BorderEvent(BorderEventKind.CROSSED, day),
            BorderEvent(BorderEventKind.RETURNED, day + timedelta(hours=6)),
        ]
    ctx = ManifestContext(
        timezone=TZ,
        today=date(2026, 9, 1),
        drivers_by_phone={
            make_phone(0): DriverRecord(1, "Busy", True, None, tuple(crossings)),
        },
        places=[],
    )
    table = read_manifest(to_csv([row(date(2026, 9, 8), make_phone(0), make_vin(1))]).encode())
    text = problem_lines(validate(table, ctx).problems, english)[0]
    assert "Busy would have 91 visa-free days in 180 on 2026-09-08" in text


async def test_a_trip_booked_between_preview_and_import_stops_the_import(
    repos: Repositories, clearance: ClearanceService
) -> None:
    await add_drivers(repos, 2)
    rows = [row(DAY, make_phone(0), make_vin(1)), row(DAY, make_phone(1), make_vin(2))]
    validation = await check(repos, to_csv(rows).encode())
    await store(repos, clearance, validation.rows[1:], now=NOW, actor=None, source="other")
    with pytest.raises(BookedMeanwhile) as clash:
        await store(repos, clearance, validation.rows, now=NOW, actor=None, source="late")
    assert [p.line for p in clash.value.problems] == [3]
    assert len(await repos.assignments.for_day(DAY)) == 1
