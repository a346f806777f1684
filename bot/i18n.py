"""Translations from gettext catalogs (.po, read with Babel).

Source strings are English msgids with ``{named}`` placeholders. Mark them with ``_`` (or
``N_`` where the string is only declared) so ``pybabel extract`` finds them; translate at
the point of use with :meth:`Translator.get`.
"""

from __future__ import annotations

from collections.abc import Mapping
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
        return text.format(**values) if values else text
