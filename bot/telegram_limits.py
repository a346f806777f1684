"""Telegram's limits for bots (cloud Bot API), in one place."""

from __future__ import annotations

from typing import Final

MESSAGE_LIMIT: Final = 4096  # characters in a text message
CAPTION_LIMIT: Final = 1024  # characters in a media caption
CALLBACK_ANSWER_LIMIT: Final = 200  # characters in the toast answering a button press
DOWNLOAD_LIMIT_BYTES: Final = 20 * 1024 * 1024  # largest file a bot may download

# Telegram counts these limits in UTF-16 code units, not in Python's code points: an emoji
# outside the Basic Multilingual Plane (😀, 🚗) is one code point but two units. A caption cut
# by code points can still be refused as too long, and the whole message is then lost.
ELLIPSIS: Final = "…"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def fit(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """``text`` if it fits in ``limit`` UTF-16 units, else cut (never inside a surrogate pair)
    and marked with ``ellipsis``, the whole still within ``limit``."""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ellipsis)
    units = 0
    for index, char in enumerate(text):
        units += _units(char)
        if units > budget:
            return text[:index] + ellipsis
    return text


def fit_caption(text: str) -> str:
    return fit(text, CAPTION_LIMIT)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` UTF-16 units, broken after a line where one fits; a line
    longer than a whole message is broken between characters."""
    pieces: list[str] = []
    current, current_units = "", 0
    for line in text.split("\n"):
        line_units = utf16_len(line)
        joined = current_units + 1 + line_units if current else line_units
        if joined <= limit:
            current = f"{current}\n{line}" if current else line
            current_units = joined
            continue
        if current:
            pieces.append(current)
        current, current_units = "", 0
        for char in line:
            if current_units + _units(char) > limit:
                pieces.append(current)
                current, current_units = "", 0
            current += char
            current_units += _units(char)
    if current:
        pieces.append(current)
    return pieces
