"""VIN validation per ISO 3779 (China's GB 16735 uses the same check digit)."""

from __future__ import annotations

from enum import StrEnum

_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_LENGTH = 17


class VinProblem(StrEnum):
    LENGTH = "length"
    FORBIDDEN_LETTER = "forbidden_letter"
    BAD_CHARACTER = "bad_character"
    CHECK_DIGIT = "check_digit"


class InvalidVin(ValueError):
    """The VIN breaks one rule; ``problem`` says which, ``detail`` gives the specifics."""

    def __init__(self, vin: str, problem: VinProblem, detail: str) -> None:
        self.vin = vin
        self.problem = problem
        self.detail = detail
        super().__init__(f"invalid VIN {vin!r}: {detail}")


def check_digit(vin: str) -> str:
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


# Chinese input methods type full-width letters and digits (Ｌ, ５); they mean the ASCII ones.
_FULL_WIDTH = {
    code: code - 0xFEE0
    for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}


def normalize_vin(raw: str) -> str:
    """Validate and return the VIN in upper case without surrounding spaces.

    Anything but ASCII letters and digits (after folding full-width ones) is refused *before*
    upper-casing: ``str.upper`` turns ``ß`` into ``SS`` and ``ﬁ`` into ``FI``, which would make
    a different, possibly valid, 17-character VIN out of what was typed.
    """
    vin = raw.strip().translate(_FULL_WIDTH)
    for position, char in enumerate(vin, start=1):
        if not (char.isascii() and char.isalnum()):
            raise InvalidVin(
                vin,
                VinProblem.BAD_CHARACTER,
                f"character {char!r} at position {position} is not a letter or digit",
            )
    vin = vin.upper()
    if len(vin) != VIN_LENGTH:
        raise InvalidVin(
            vin, VinProblem.LENGTH, f"a VIN has {VIN_LENGTH} characters, this has {len(vin)}"
        )
    for position, char in enumerate(vin, start=1):
        if char in "IOQ":
            raise InvalidVin(
                vin,
                VinProblem.FORBIDDEN_LETTER,
                f"the letter {char} is never used in a VIN (position {position})",
            )
        if char not in _TRANSLITERATION:
            raise InvalidVin(
                vin,
                VinProblem.BAD_CHARACTER,
                f"character {char!r} at position {position} is not a letter or digit",
            )
    expected = check_digit(vin)
    if vin[8] != expected:
        raise InvalidVin(
            vin,
            VinProblem.CHECK_DIGIT,
            f"check digit (position 9) is {vin[8]}, the other characters need {expected}",
        )
    return vin


def is_valid_vin(raw: str) -> bool:
    try:
        normalize_vin(raw)
    except InvalidVin:
        return False
    return True
