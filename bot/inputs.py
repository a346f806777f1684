"""Forgiving readers for what people type: dates in the forms used on both sides of the border,
phone numbers in any spacing. Pure functions; the caller says what to do with a refusal."""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from babel.dates import format_date

# Day-first is how dates are written in China's neighbourhood outside ISO and 年月日 forms;
# month-first is accepted only where no other reading is possible (05/31/2030).
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{4})$")
# What a reader of each language writes; shown as the example when a date is refused.
_EXAMPLE_PATTERNS = {"zh": "y年M月d日", "ru": "dd.MM.y", "kk": "dd.MM.y", "en": "y-MM-dd"}


def parse_date(text: str) -> date | None:
    """``2030-05-31``, ``31.05.2030``, ``31/05/2030``, ``2030/5/31``, ``2030年5月31日``."""
    cleaned = text.strip().translate(str.maketrans("０１２３４５６７８９／－．", "0123456789/-."))
    match = _YEAR_FIRST.fullmatch(cleaned)
    if match is not None:
        year, month, day = (int(part) for part in match.groups())
        return _date(year, month, day)
    match = _DAY_FIRST.fullmatch(cleaned)
    if match is not None:
        first, second, year = (int(part) for part in match.groups())
        if second > 12 >= first:
            return _date(year, first, second)
        return _date(year, second, first)
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_example(language: str, example: date = date(2030, 5, 31)) -> str:
    """How a date looks to this reader: ``31.05.2030``, ``2030年5月31日``, ``2030-05-31``."""
    pattern = _EXAMPLE_PATTERNS.get(language, _EXAMPLE_PATTERNS["en"])
    return str(format_date(example, pattern, locale=language))


def normalize_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 (``+77010000002``) for a plausible number, else None.

    Telegram's contact cards sometimes omit the ``+``; a number without one and without a
    region is read as international.
    """
    text = raw.strip()
    if not text:
        return None
    digits = re.sub(r"[^\d+]", "", text)
    if region is None and not digits.startswith("+"):
        digits = f"+{digits}"
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
