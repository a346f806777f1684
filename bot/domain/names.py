"""People's names as typed into a chat: cleaned, and refused when they are not names.

Invisible characters (zero-width spaces, right-to-left and left-to-right marks, other Unicode
"format" characters) and control characters are dropped first: a name made only of them looks
empty on every screen, and one with them inside can impersonate another. What remains must
contain letters (any script: 王伟, Иван, Qasym) and fit the limit.
"""

from __future__ import annotations

import unicodedata

NAME_MAX = 64


class NameProblem(ValueError):
    """Not usable as a name; ``too_long`` tells the length case apart (it gets its own answer)."""

    def __init__(self, too_long: bool, length: int) -> None:
        self.too_long = too_long
        self.length = length
        super().__init__("name too long" if too_long else "not a name")


def clean_name(raw: str, *, minimum: int = 2, maximum: int = NAME_MAX) -> str:
    """The name with invisible characters removed and spaces collapsed; ``NameProblem`` if
    what remains has no letter or is outside ``minimum``..``maximum`` characters."""
    visible = "".join(
        char
        for char in unicodedata.normalize("NFC", raw)
        if unicodedata.category(char) not in ("Cf", "Cc", "Co", "Cn", "Cs")
    )
    name = " ".join(visible.split())
    if len(name) > maximum:
        raise NameProblem(True, len(name))
    if len(name) < minimum or not any(char.isalpha() for char in name):
        raise NameProblem(False, len(name))
    return name
