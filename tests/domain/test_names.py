"""Names: letters of any script required, invisible characters dropped, a sane length."""

from __future__ import annotations

import pytest

from bot.domain.names import NAME_MAX, NameProblem, clean_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("王伟", "王伟"),
        ("Иван Петров", "Иван Петров"),
        ("  Qasym   Zhaksylyk ", "Qasym Zhaksylyk"),
        ("Pan\u200b Guangde", "Pan Guangde"),  # a zero-width space inside is dropped
        ("\u200fAli\u200e", "Ali"),  # right-to-left and left-to-right marks around it
        ("O'Brien-Smith", "O'Brien-Smith"),
    ],
)
def test_names_are_cleaned(raw: str, name: str) -> None:
    assert clean_name(raw) == name


@pytest.mark.parametrize(
    "raw",
    [
        "\u200f\u200f\u200e",  # only right-to-left and left-to-right marks
        "\u200b\u200b\u200b\u200b",  # only zero-width spaces
        "\u2066\u2069\u202e",  # only bidi isolates and an override
        "12345",
        "-- !!",
        "😀😀",
        "A",
        "",
    ],
)
def test_a_name_without_letters_is_refused(raw: str) -> None:
    with pytest.raises(NameProblem) as refused:
        clean_name(raw)
    assert not refused.value.too_long


def test_an_overlong_name_is_refused_as_too_long() -> None:
    assert clean_name("Я" * NAME_MAX) == "Я" * NAME_MAX
    with pytest.raises(NameProblem) as refused:
        clean_name("Я" * 4001)
    assert refused.value.too_long and refused.value.length == 4001
