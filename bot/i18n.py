"""Translations from gettext catalogs (.po, read with Babel).

Source strings are English msgids with ``{named}`` placeholders. Mark them with ``_`` (or
``N_`` where the string is only declared) so ``pybabel extract`` finds them; translate at
the point of use with :meth:`Translator.get`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "ferryman"
LANGUAGES = ("zh", "ru", "en", "kk")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def load_catalog(language: str, locales_dir: Path = LOCALES_DIR) -> dict[str, str]:
    path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


@dataclass(frozen=True, slots=True)
class PerReader:
    """A value filled into a message that is itself worded for each reader: a place's name,
    a proof item, a number, a reason. One alert built for several admins then reads whole in
    each one's language, not with the company language's words inside.

    ``render(language)`` gives the value for that reader; :meth:`Translator.get` calls it.
    """

    render: Callable[[str], object]


@dataclass(frozen=True, slots=True)
class Translator:
    """All catalogs loaded once at start-up; lookups are plain dict reads."""

    catalogs: Mapping[str, Mapping[str, str]]
    default_language: str = "zh"

    @classmethod
    def load(cls, default_language: str = "zh", locales_dir: Path = LOCALES_DIR) -> Translator:
        return cls({lang: load_catalog(lang, locales_dir) for lang in LANGUAGES}, default_language)

    def language(self, code: str | None) -> str:
        """Our language for a Telegram ``language_code`` (``zh-hans`` → ``zh``)."""
        if code:
            base = code.split("-")[0].split("_")[0].lower()
            if base in self.catalogs:
                return base
        return self.default_language

    def get(self, language: str, message: str, **values: Any) -> str:
        text = self.catalogs.get(language, {}).get(message, message)
        if not values:
            return text
        values = {
            name: value.render(language) if isinstance(value, PerReader) else value
            for name, value in values.items()
        }
        return _chinese_format(text, values) if language == "zh" else text.format(**values)

    def per_reader(self, message: str, **values: Any) -> PerReader:
        """A catalog message as a value for another message, in each reader's language."""
        return PerReader(lambda language: self.get(language, message, **values))


# A value filled into Chinese text may itself be Chinese (潘广德, 霍尔果斯堆场) or Latin,
# Cyrillic and digits (Pan, Иван, a VIN, 2025-03-30). Chinese templates leave no space around
# such placeholders, and an alphabetic value gets the customary space from the Chinese beside
# it: 司机潘广德拒绝, 司机 Pan 拒绝. The marks fence each value so only its edges are looked at.
_OPEN, _CLOSE = "\x02", "\x03"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_ALPHABETIC = "0-9A-Za-z\u00c0-\u024f\u0400-\u04ff"
_LATIN_AFTER_HAN = re.compile(f"([{_HAN}]){_OPEN}(?=[{_ALPHABETIC}])")
_HAN_AFTER_LATIN = re.compile(f"(?<=[{_ALPHABETIC}]){_CLOSE}([{_HAN}])")


def _chinese_format(text: str, values: Mapping[str, Any]) -> str:
    marked = text.format(**{name: f"{_OPEN}{value}{_CLOSE}" for name, value in values.items()})
    marked = _HAN_AFTER_LATIN.sub(r" \1", _LATIN_AFTER_HAN.sub(r"\1 ", marked))
    return marked.replace(_OPEN, "").replace(_CLOSE, "")
