"""No English leaks into Chinese, Russian or Kazakh screens: every catalog string (drivers' and
staff's) and every state of the assignment message is rendered in every language and searched
for English words (issue 10)."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_python

from bot.clearance.messages import verification_text
from bot.clearance.token import Claims, Refusal
from bot.clearance.verification import Verification
from bot.domain.lifecycle import Status
from bot.domain.models import Assignment, ClearanceKind, Driver, DriverStatus, Place, Vehicle
from bot.i18n import LANGUAGES, Translator
from bot.services.manifest import COLUMNS
from bot.services.trips import Trip
from bot.views import trip_caption, trip_keyboard
from tests.test_i18n import KEYWORDS, ROOT, SOURCE

# Words that stay as they are in every language: the car's identifier, the code type, the
# zone label, file types and encodings, the date pattern a manifest file must use, the
# product's name and Telegram's, "English" on the language picker (each language is named
# in itself), and "ID", which Russian writes in Latin letters (ID пользователя).
ALLOWED = {"vin", "qr", "utc", "pdf", "ferryman", "telegram", "english", "fm", "id"}
ALLOWED |= {"excel", "xlsx", "csv", "utf", "gb", "mb", "yyyy", "mm", "dd", "hh"}
_WORD = re.compile(r"[A-Za-z]{2,}")
# Links, commands and the manifest's column names (clearance_code) are typed as they are.
_COMMAND = re.compile(r"https?://\S+|/[a-z_]+|\b[a-z]+(?:_[a-z]+)+\b")


# Screens only staff read (manifests, board, exports, the QR sheet): their column names and
# zone names are what the file must contain, so they are left out of the driver check.
STAFF_ONLY = ("admin", "manifest", "board", "export", "clearance", "digest", "corrections")


def _driver_messages() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(word in str(path.relative_to(ROOT)) for word in STAFF_ONLY):
                continue
            with path.open("rb") as handle:
                for _, _, message, _ in extract_python(handle, KEYWORDS, [], {}):
                    if isinstance(message, str):
                        found.add(message)
    return found


DRIVER_MESSAGES = _driver_messages()


def test_driver_screens_are_found() -> None:
    assert len(DRIVER_MESSAGES) > 60 and DRIVER_MESSAGES <= SOURCE


def _vocabulary() -> set[str]:
    words: set[str] = set()
    for msgid in SOURCE:
        plain = _COMMAND.sub(" ", re.sub(r"\{[a-z_]+\}", " ", msgid))
        words |= {w.lower() for w in _WORD.findall(plain)}
    return words - ALLOWED


VOCABULARY = _vocabulary()


def english_words(text: str) -> list[str]:
    """English words of the catalog's msgids found in a screen (commands excepted)."""
    return [w for w in _WORD.findall(_COMMAND.sub(" ", text)) if w.lower() in VOCABULARY]


def _sample_values(msgid: str) -> dict[str, object]:
    names = {name for _, name, _, _ in string.Formatter().parse(msgid) if name}
    return dict.fromkeys(names, "１２")


@pytest.mark.parametrize("language", ["zh", "ru", "kk"])
def test_no_driver_string_shows_english(language: str) -> None:
    tr = Translator.load("zh")
    leaks = {
        msgid: found
        for msgid in DRIVER_MESSAGES
        if (found := english_words(tr.get(language, msgid, **_sample_values(msgid))))
    }
    assert not leaks, f"{language}: English words in {len(leaks)} strings: {leaks}"


# The manifest's one-word column names (date, vin, pickup, …) are what the file's header must
# say, so staff screens quote them as they are (the snake_case ones are skipped like commands).
COLUMN_WORDS = {column for column in COLUMNS if "_" not in column}


@pytest.mark.parametrize("language", ["zh", "ru", "kk"])
def test_no_staff_string_shows_english(language: str) -> None:
    """Admins and checkpoint staff read the same languages as drivers: the board, imports,
    alerts, /verify and the help read without English beyond column names and codes."""
    tr = Translator.load("zh")
    leaks = {
        msgid: found
        for msgid in SOURCE - DRIVER_MESSAGES
        if (
            found := [
                word
                for word in english_words(tr.get(language, msgid, **_sample_values(msgid)))
                if word.lower() not in COLUMN_WORDS
            ]
        )
    }
    assert not leaks, f"{language}: English words in {len(leaks)} strings: {leaks}"


NOW = datetime(2025, 3, 10, 0, 30, tzinfo=UTC)
YARD = Place(
    1,
    "horgos-yard",
    "Horgos Export Vehicle Yard",
    "yard",
    44.2,
    80.4,
    "",
    "Asia/Shanghai",
    {"zh": "霍尔果斯堆场", "ru": "Хоргос", "kk": "Қорғас алаңы"},
)
LOT = Place(
    2,
    "zharkent-lot",
    "Zharkent delivery lot",
    "lot",
    44.1,
    80.0,
    "",
    "Asia/Almaty",
    {"zh": "扎尔肯特交车场", "ru": "Жаркент", "kk": "Жаркент алаңы"},
)


def _trip(status: Status) -> Trip:
    assignment = Assignment(
        id=7,
        service_date=NOW.date(),
        driver_id=1,
        vehicle_id=1,
        pickup_place_id=1,
        destination_place_id=2,
        pickup_at=NOW,
        deliver_by=NOW.replace(hour=9),
        receiver_name="Айбек",
        receiver_phone="+77010000001",
        clearance_code="X",
        clearance_kind=ClearanceKind.GENERATED,
        status=status,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    driver = Driver(
        1,
        5,
        "潘广德",
        "+8613800000001",
        "E1234567",
        date(2030, 5, 31),
        "zh",
        DriverStatus.ACTIVE,
        NOW,
    )
    return Trip(assignment, Vehicle(1, "LGXCE4CB7R0000001", "比亚迪", "white"), YARD, LOT, driver)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(Status))
def test_every_state_of_the_assignment_reads_in_the_driver_language(
    language: str, status: Status
) -> None:
    tr = Translator.load("zh")
    trip = _trip(status)
    screens = [trip_caption(trip, tr, language, ZoneInfo("Asia/Shanghai"))]
    for in_kz in (False, True):
        keyboard = trip_keyboard(replace(trip), tr, language, in_kz)
        rows = keyboard.inline_keyboard if keyboard else ()
        screens += [button.text for row in rows for button in row]
    caption = screens[0]
    assert "UTC+8" in caption and "UTC+5" in caption  # the yard's zone, then the lot's
    if language != "en":
        for screen in screens:
            assert not english_words(screen), f"{language}/{status}: {screen!r}"
    if language != "en":
        assert "white" not in caption  # the colour is translated


def test_chinese_uses_full_width_punctuation() -> None:
    """Next to Chinese characters a colon, comma or bracket is the full-width one (：，（）)."""
    ascii_next_to_han = re.compile(
        r"[\u4e00-\u9fff][:;,!?(]|[:;,!?)][\u4e00-\u9fff]|[\u4e00-\u9fff] \(|\) [\u4e00-\u9fff]"
    )
    catalog = Translator.load("zh").catalogs["zh"]
    wrong = {
        msgid: text
        for msgid, text in catalog.items()
        if ascii_next_to_han.search(re.sub(r"https?://\S+|\{[a-z_]+\}", "X", text))
    }
    assert not wrong, wrong


@pytest.mark.parametrize("language", ["zh", "ru", "kk"])
@pytest.mark.parametrize("refusal", [None, Refusal.EXPIRED, Refusal.CANCELLED])
def test_verify_answers_in_the_checkpoint_language(language: str, refusal: Refusal | None) -> None:
    """What checkpoint staff read at the gate: places, dates and times in their language."""
    trip = _trip(Status.PICKED_UP)
    claims = Claims("k1", 7, trip.vehicle.vin, NOW.date(), NOW.replace(hour=16))
    verification = Verification(
        "FM1.x",
        refusal,
        claims=claims,
        assignment=trip.assignment,
        vehicle=trip.vehicle,
        driver=trip.driver,
        pickup=YARD,
        destination=LOT,
    )
    text = verification_text(
        Translator.load("zh"), language, verification, ZoneInfo("Asia/Shanghai")
    )
    assert not english_words(text), text
    assert YARD.names[language] in text and LOT.names[language] in text
    assert "2025-03" not in text  # dates as the reader writes them
    assert refusal is Refusal.CANCELLED or "UTC+8" in text  # an expiry shown carries its zone
