"""Every time shown to a person carries its zone, in the reader's locale (Babel)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import get_datetime_format
from babel.numbers import format_decimal


def zone_label(moment: datetime) -> str:
    """``UTC+8``, ``UTC+5``, ``UTC+5:30`` — unambiguous on both sides of the border."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_day(day: date, language: str | None = None) -> str:
    """``10 мар. 2025 г.``, ``2025年3月10日``; ISO for logs and files (no language)."""
    if language is None:
        return day.isoformat()
    return str(babel_format_date(day, "medium", locale=language))


def format_time(moment: datetime, zone: ZoneInfo, language: str | None = None) -> str:
    """Date and 24-hour time in ``zone`` with the zone: ``10 мар. 2025 г., 14:30 (UTC+5)``.

    Without a language (audit trails, files) the form is ISO: ``2025-03-10 14:30 (UTC+5)``.
    The 24-hour clock is used everywhere: the border runs on it, and "2:30 PM" next to a
    zone label is easy to misread.
    """
    local = moment.astimezone(zone)
    if language is None:
        return f"{local:%Y-%m-%d %H:%M} ({zone_label(local)})"
    pattern = str(get_datetime_format("medium", locale=language))
    shown = pattern.replace("{1}", format_day(local.date(), language)).replace(
        "{0}", f"{local:%H:%M}"
    )
    return f"{shown}{_in_brackets(zone_label(local), language)}"


def _in_brackets(label: str, language: str | None) -> str:
    # Chinese text takes full-width brackets, with no space before them.
    return f"（{label}）" if language == "zh" else f" ({label})"


def format_clock(moment: datetime, zone: ZoneInfo, language: str | None = None) -> str:
    local = moment.astimezone(zone)
    return f"{local:%H:%M}{_in_brackets(zone_label(local), language)}"


def format_time_beside(
    moment: datetime, zone: ZoneInfo, company_zone: ZoneInfo, language: str | None = None
) -> str:
    """The time where it happens, then the company's time beside it when the clocks differ.

    ``10 мар. 2025 г., 17:30 (UTC+5) · 20:30 (UTC+8)``: the driver at a Kazakh lot reads
    his own clock first, the dispatcher's second.
    """
    shown = format_time(moment, zone, language)
    local, company = moment.astimezone(zone), moment.astimezone(company_zone)
    if local.utcoffset() == company.utcoffset():
        return shown
    if local.date() != company.date():
        return f"{shown} · {format_time(moment, company_zone, language)}"
    return f"{shown} · {format_clock(moment, company_zone, language)}"


def format_number(value: float, language: str | None = None) -> str:
    """``12 045`` in Russian and Kazakh, ``12,045`` in English and Chinese."""
    return str(format_decimal(round(value), locale=language or "en"))
