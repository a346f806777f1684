"""Telegram's limits are counted in UTF-16 units: cutting and splitting agree with it."""

from __future__ import annotations

from bot.telegram_limits import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    fit,
    fit_caption,
    split_text,
    utf16_len,
)


def test_an_emoji_is_two_units() -> None:
    assert utf16_len("🚗") == 2 and utf16_len("车") == 1 and utf16_len("a🚗b") == 4


def test_a_long_emoji_caption_is_cut_to_what_telegram_accepts() -> None:
    caption = "Problem: " + "😡" * 900  # 909 code points, 1,809 units
    cut = fit_caption(caption)
    assert utf16_len(cut) <= CAPTION_LIMIT
    assert cut.endswith("…") and cut.startswith("Problem: 😡")
    assert utf16_len(cut) >= CAPTION_LIMIT - 2  # nothing wasted beyond one emoji


def test_a_cut_never_splits_an_emoji_in_half() -> None:
    cut = fit("a" + "🚗" * 10, 6)
    assert cut == "a🚗🚗…"
    cut.encode("utf-8")  # a lone surrogate would raise here


def test_text_that_fits_is_left_alone() -> None:
    assert fit_caption("🚗" * 512) == "🚗" * 512
    assert split_text("short") == ["short"]


def test_texts_split_at_line_ends_within_the_limit() -> None:
    lines = [f"{n} 🚗🚗🚗 delivered" for n in range(600)]
    pieces = split_text("\n".join(lines))
    assert len(pieces) > 1
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)  # nothing lost, every break at a line end


def test_a_line_longer_than_a_message_is_broken_between_characters() -> None:
    pieces = split_text("🚗" * 3000)
    assert [utf16_len(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == "🚗" * 3000
