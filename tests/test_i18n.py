"""Every user-facing string is translated into every language, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot.i18n import LANGUAGES, PerReader, Translator, load_catalog

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"N_": None, "_": None}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str):
                found.add(message)
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


SOURCE = _source_messages()


def test_the_sources_declare_user_facing_strings() -> None:
    assert len(SOURCE) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_every_string(language: str) -> None:
    catalog = load_catalog(language)
    missing = sorted(SOURCE - set(catalog))
    assert not missing, f"{language} catalog misses {len(missing)} strings: {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalog = load_catalog(language)
    broken = [
        msgid
        for msgid in SOURCE & set(catalog)
        if _placeholders(msgid) != _placeholders(catalog[msgid])
    ]
    assert not broken, f"{language}: placeholders differ in {broken[:5]}"


def test_lookup_uses_the_driver_language_and_falls_back_to_the_default() -> None:
    tr = Translator.load("zh")
    accept = "✅ Accept"
    assert tr.get("ru", accept) != tr.get("zh", accept) != accept
    assert tr.language("ru-RU") == "ru"
    assert tr.language("de") == "zh"
    assert tr.language(None) == "zh"


def test_chinese_text_spaces_latin_values_but_not_chinese_ones() -> None:
    tr = Translator.load("zh")
    declined = "Driver {driver} declined assignment #{number} ({vin})."
    assert tr.get("zh", declined, driver="潘广德", number=1, vin="X").startswith("司机潘广德拒绝")
    assert tr.get("zh", declined, driver="Pan", number=1, vin="X").startswith("司机 Pan 拒绝")
    assert tr.get("zh", "No trips on {day}.", day="2025-03-30").startswith("2025-03-30 没有")
    assert tr.get("zh", declined, driver="Иван", number=1, vin="X").startswith("司机 Иван 拒绝")
    assert "\x02" not in tr.get("zh", "No trips on {day}.", day="2025年3月30日")


def test_a_value_worded_per_reader_is_filled_in_each_readers_language() -> None:
    tr = Translator.load("en")
    message = "⚠️ Driver {driver} ({phone}) cannot be reached in Telegram ({error}). "
    message += "Nothing more is sent to them until they write to the bot again."
    reason = tr.per_reader("they blocked the bot")
    names = PerReader({"ru": "Жаркент", "zh": "扎尔肯特"}.get)
    ru = tr.get("ru", message, driver="Pan", phone="+86", error=reason)
    zh = tr.get("zh", message, driver="Pan", phone="+86", error=reason)
    assert tr.get("ru", "they blocked the bot") in ru and "blocked" not in ru
    assert tr.get("zh", "they blocked the bot") in zh and "blocked" not in zh
    assert tr.get("ru", "{place}", place=names) == "Жаркент"
    assert tr.get("zh", "{place}", place=names) == "扎尔肯特"
