"""VIN validation (ISO 3779 / GB 16735). Check digits below were computed by hand, not by the
code under test. Worked example for LRW3E7EB?PC123456 (Tesla Shanghai):

    L  R  W  3  E  7  E  B  ?  P  C  1  2  3  4  5  6     characters
    3  9  6  3  5  7  5  2  -  7  3  1  2  3  4  5  6     transliterated values
    8  7  6  5  4  3  2 10  0  9  8  7  6  5  4  3  2     weights
    24+63+36+15+20+21+10+20+0+63+24+7+12+15+16+15+12 = 373;  373 mod 11 = 10  →  'X'
"""

from __future__ import annotations

import pytest

from bot.domain.vin import InvalidVin, VinProblem, check_digit, is_valid_vin, normalize_vin

# Real-format VINs: WMI, VDS, check digit (position 9), model year, plant, serial.
VALID = [
    ("LSVAU218XN2183294", "SAIC Volkswagen, check digit X"),
    ("LFV2A2BU8P4012345", "FAW-Volkswagen"),
    ("LGXCE4CB5R0123456", "BYD"),
    ("LRW3E7EBXPC123456", "Tesla Shanghai Model 3, check digit X"),
    ("LRWYGCEE8PC654321", "Tesla Shanghai Model Y"),
    ("LVGBE40K58G123456", "GAC Toyota"),
    ("LB37624S7RL012345", "Geely"),
    ("LGWEF4A58NH098765", "Great Wall"),
    ("LVVDB11B6PD123456", "Chery"),
    ("LS5A3ADE8SB246810", "Changan"),
    ("LNBSCCAH5RD111111", "BAIC"),
    ("LSGZR53L4PS100007", "SAIC-GM"),
    ("1M8GDM9AXKP042788", "the textbook example, check digit X"),
    ("5GZCZ43D13S812715", "a North American VIN"),
    ("11111111111111111", "all ones"),
]

# The same VINs with a wrong check digit: (vin, the digit it needs).
WRONG_CHECK_DIGIT = [
    ("LSVAU2180N2183294", "X"),
    ("LFV2A2BU9P4012345", "8"),
    ("LGXCE4CB4R0123456", "5"),
    ("LRW3E7EB0PC123456", "X"),
    ("LRWYGCEEXPC654321", "8"),
    ("LVGBE40K68G123456", "5"),
    ("LB37624S1RL012345", "7"),
    ("LGWEF4A50NH098765", "8"),
    ("LVVDB11B7PD123456", "6"),
    ("LS5A3ADE9SB246810", "8"),
    ("1M8GDM9A1KP042788", "X"),
    ("5GZCZ43DX3S812715", "1"),
    # A letter other than X can never be a check digit.
    ("LGXCE4CBAR0123456", "5"),
]


@pytest.mark.parametrize(("vin", "what"), VALID, ids=[v for v, _ in VALID])
def test_valid_vins(vin: str, what: str) -> None:
    assert normalize_vin(vin) == vin, what
    assert is_valid_vin(vin)
    assert check_digit(vin) == vin[8]


@pytest.mark.parametrize(
    ("vin", "needed"), WRONG_CHECK_DIGIT, ids=[v for v, _ in WRONG_CHECK_DIGIT]
)
def test_wrong_check_digit_is_refused(vin: str, needed: str) -> None:
    assert not is_valid_vin(vin)
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(vin)
    assert caught.value.problem is VinProblem.CHECK_DIGIT
    # The message tells the admin what the digit is and what it should be.
    assert f"is {vin[8]}" in str(caught.value)
    assert f"need {needed}" in str(caught.value)
    assert check_digit(vin) == needed


def test_single_typo_in_a_real_vin_is_caught() -> None:
    # Swapping two serial digits (a typical manifest typo) breaks the check digit.
    assert is_valid_vin("LGXCE4CB5R0123456")
    assert not is_valid_vin("LGXCE4CB5R0123546")


def test_normalizes_case_and_surrounding_space() -> None:
    assert normalize_vin("  lrw3e7ebxpc123456\n") == "LRW3E7EBXPC123456"
    assert is_valid_vin("lgxce4cb5r0123456")


@pytest.mark.parametrize(
    ("raw", "length"),
    [("", 0), ("LGXCE4CB5R012345", 16), ("LGXCE4CB5R01234567", 18), ("LGX", 3)],
)
def test_length_problem(raw: str, length: int) -> None:
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(raw)
    assert caught.value.problem is VinProblem.LENGTH
    assert f"this has {length}" in str(caught.value)


def test_an_inner_space_is_a_bad_character() -> None:
    with pytest.raises(InvalidVin) as caught:
        normalize_vin("LGXCE4CB5R 0123456")
    assert caught.value.problem is VinProblem.BAD_CHARACTER
    assert "position 11" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "letter", "position"),
    [
        ("LGXCE4CB5R0I23456", "I", 12),
        ("LGXCE4CB5R0123O56", "O", 15),
        ("QGXCE4CB5R0123456", "Q", 1),
        ("lgxce4cb5r0i23456", "I", 12),  # lower case is upper-cased first
    ],
)
def test_forbidden_letters(raw: str, letter: str, position: int) -> None:
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(raw)
    assert caught.value.problem is VinProblem.FORBIDDEN_LETTER
    assert f"letter {letter}" in str(caught.value)
    assert f"position {position}" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "position"),
    [
        ("LGXCE4CB5R0-23456", 12),
        ("LGXCE4CB5R0123*56", 15),
        ("ЛGXCE4CB5R0123456", 1),  # Cyrillic letter
        ("LGXCE4CB5R0－23456", 12),  # full-width hyphen (full-width digits are folded)
        ("LGX_E4CB5R0123456", 4),
    ],
)
def test_bad_characters(raw: str, position: int) -> None:
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(raw)
    assert caught.value.problem is VinProblem.BAD_CHARACTER
    assert f"position {position}" in str(caught.value)


def test_error_carries_the_normalized_vin() -> None:
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(" lgxce4cb4r0123456 ")
    assert caught.value.vin == "LGXCE4CB4R0123456"
    assert isinstance(caught.value, ValueError)


# --- characters outside ASCII ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "char"),
    [
        ("LRWß7EA8PC12345S", "ß"),  # 16 characters; upper() would make 17 with "SS"
        ("LRWſE7EBXPC123456", "ſ"),  # long s: upper() makes S
        ("LRWﬁ3E7EBXPC12345", "ﬁ"),  # ligature: upper() makes FI
        ("LRWıE7EBXPC123456", "ı"),  # dotless i: upper() makes I
        ("LRW3E7EBXPC12345٦", "٦"),  # an Arabic-Indic digit is a digit, not an ASCII one
        ("LRW3E7EBXPC12345\u200b6", "\u200b"),  # zero-width space inside
    ],
)
def test_non_ascii_characters_are_refused_before_upper_casing(raw: str, char: str) -> None:
    with pytest.raises(InvalidVin) as caught:
        normalize_vin(raw)
    assert caught.value.problem is VinProblem.BAD_CHARACTER
    assert repr(char) in caught.value.detail


def test_the_eszett_vin_is_not_a_valid_seventeen_character_vin() -> None:
    assert not is_valid_vin("LRWß7EA8PC12345S")


def test_full_width_letters_and_digits_from_a_chinese_keyboard_are_folded_on_purpose() -> None:
    typed = "ＬＲＷ３Ｅ７ＥＢＸＰＣ１２３４５６"
    assert normalize_vin(typed) == "LRW3E7EBXPC123456"
    assert normalize_vin("\u3000ｌｒｗ３ｅ７ｅｂｘｐｃ１２３４５６\u3000") == "LRW3E7EBXPC123456"
