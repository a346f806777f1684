"""Codes imported from the customs platform: opaque strings, kept verbatim, length-checked."""

from __future__ import annotations

import unicodedata

from bot.clearance.token import looks_like_token

# Long enough for any platform code seen so far; short enough that the QR stays at a version a
# phone reads off a window sticker (about version 10 at error correction Q).
IMPORTED_MAX_LENGTH = 160


class InvalidImportedCode(ValueError):
    """The imported code cannot be used as given; the message says why."""


def check_imported(code: str) -> str:
    """Return the code unchanged if usable, else raise :class:`InvalidImportedCode`.

    Nothing is trimmed or re-cased: the gate compares the code byte for byte, so a change here
    would make a code the customs platform does not know.
    """
    if not code:
        raise InvalidImportedCode("the code is empty")
    if len(code) > IMPORTED_MAX_LENGTH:
        raise InvalidImportedCode(
            f"the code has {len(code)} characters, at most {IMPORTED_MAX_LENGTH} fit a QR "
            "that scans reliably"
        )
    if code != code.strip():
        # Chat clients strip such spaces, so the code could never be typed into /verify.
        raise InvalidImportedCode("the code starts or ends with whitespace")
    if any(unicodedata.category(char).startswith("C") for char in code):
        raise InvalidImportedCode("the code contains control or invisible characters")
    if looks_like_token(code):
        raise InvalidImportedCode("the code looks like a Ferryman-generated code (FM<n>.)")
    return code
