"""Forgiving input and times shown where they happen, in the reader's locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.inputs import date_example, normalize_phone, parse_date
from bot.timefmt import format_number, format_time, format_time_beside

SHANGHAI, ALMATY = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(
    "typed",
    ["2030-05-31", "31.05.2030", "31/05/2030", "2030/5/31", "2030年5月31日", " 31.5.2030 "],
)
def test_dates_in_the_usual_forms_are_understood(typed: str) -> None:
    assert parse_date(typed) == date(2030, 5, 31)


@pytest.mark.parametrize("typed", ["31 мамыр", "2030-02-30", "31.05.30", "", "tomorrow"])
def test_other_dates_are_refused(typed: str) -> None:
    assert parse_date(typed) is None


def test_the_example_is_in_the_reader_format() -> None:
    assert [date_example(lang) for lang in ("zh", "ru", "kk", "en")] == [
        "2030年5月31日",
        "31.05.2030",
        "31.05.2030",
        "2030-05-31",
    ]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("77010000002", "+77010000002"),
        ("+7 (701) 000-00-02", "+77010000002"),
        ("+86 138 0000 0001", "+8613800000001"),
        ("12", None),
    ],
)
def test_phones_are_normalised(raw: str, e164: str | None) -> None:
    assert normalize_phone(raw) == e164


def test_a_kazakh_deadline_shows_the_company_clock_beside_it() -> None:
    moment = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
    assert format_time_beside(moment, ALMATY, SHANGHAI, "en") == (
        "Mar 10, 2025, 14:30 (UTC+5) · 17:30 (UTC+8)"
    )
    assert format_time_beside(moment, ALMATY, SHANGHAI, "zh") == (
        "2025年3月10日 14:30（UTC+5） · 17:30（UTC+8）"
    )
    # Same zone: nothing beside. A different date at the company: the date is repeated.
    assert format_time_beside(moment, SHANGHAI, SHANGHAI, "en") == "Mar 10, 2025, 17:30 (UTC+8)"
    late = datetime(2025, 3, 10, 17, 30, tzinfo=UTC)
    assert format_time_beside(late, ALMATY, SHANGHAI, "en") == (
        "Mar 10, 2025, 22:30 (UTC+5) · Mar 11, 2025, 01:30 (UTC+8)"
    )
    assert format_time(moment, ALMATY) == "2025-03-10 14:30 (UTC+5)"  # files and audit trails


def test_numbers_are_grouped_for_the_reader() -> None:
    assert format_number(12045, "en") == "12,045"
    assert format_number(12045, "ru").replace("\xa0", " ") == "12 045"
