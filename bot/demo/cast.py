"""Who plays the demo day: the company's people, twenty drivers in four languages, the
receivers at the lots, and the places they drive between (named in every language)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.vin import check_digit

OWNER_NAME = "李伟"  # Li Wei, the company's owner (listed in [company] owners)
ADMIN_NAME = "Дана Сейткалиева"  # the dispatcher the owner adds with a one-time link
GUARD_NAME = "Серик Оспанов"  # checkpoint staff at Nur Zholy, added by sharing his contact
GUARD_PHONE = "+77010000077"

PLACES: list[dict[str, Any]] = [
    {
        "code": "horgos-yard",
        "name": "Horgos Export Vehicle Yard",
        "names": {
            "zh": "霍尔果斯出口车辆堆场",
            "ru": "Хоргос, экспортная площадка",
            "kk": "Қорғас экспорттық көлік алаңы",
            "en": "Horgos Export Vehicle Yard",
        },
        "kind": "yard",
        "latitude": 44.2140,
        "longitude": 80.4080,
    },
    {
        "code": "nur-zholy",
        "name": "Nur Zholy checkpoint",
        "names": {
            "zh": "努尔若利口岸",
            "ru": "КПП «Нур Жолы»",
            "kk": "«Нұр Жолы» өткізу пункті",
            "en": "Nur Zholy checkpoint",
        },
        "kind": "checkpoint",
        "country": "KZ",
        "latitude": 44.2085,
        "longitude": 80.3400,
    },
    {
        "code": "zharkent-lot",
        "name": "Zharkent delivery lot",
        "names": {
            "zh": "扎尔肯特交车场",
            "ru": "Жаркент, площадка выдачи",
            "kk": "Жаркент жеткізу алаңы",
            "en": "Zharkent delivery lot",
        },
        "kind": "lot",
        "latitude": 44.1630,
        "longitude": 80.0020,
    },
    {
        "code": "almaty-lot",
        "name": "Almaty delivery lot",
        "names": {
            "zh": "阿拉木图交车场",
            "ru": "Алматы, площадка выдачи",
            "kk": "Алматы жеткізу алаңы",
            "en": "Almaty delivery lot",
        },
        "kind": "lot",
        "latitude": 43.3000,
        "longitude": 76.9000,
    },
]
LOTS = {"zharkent-lot": (44.1630, 80.0020), "almaty-lot": (43.3000, 76.9000)}


def near(lot: str) -> tuple[float, float]:
    """Where a driver shares the location at delivery: ~150 m from the lot's pin."""
    lat, lon = LOTS[lot]
    return (round(lat + 0.0012, 4), round(lon + 0.0009, 4))


def vin(serial: int, prefix: str = "LGXCE4CB0R") -> str:
    """A valid VIN (ISO 3779 check digit in position 9) for a demo car."""
    draft = f"{prefix}{serial:07d}"
    return draft[:8] + check_digit(draft) + draft[9:]


@dataclass(frozen=True)
class DemoDriver:
    name: str
    language: str
    phone: str
    passport: str
    vin: str
    model: str
    destination: str
    # What this driver's day shows (None: an ordinary day).
    part: str | None = None


# The parts a driver plays; every other driver has an ordinary day.
GATE = "gate"  # the checkpoint officer photographs this driver's QR
FLAGGED = "flagged"  # shares a location 12 km from the lot: flagged, album to the admins
REUSED = "reused"  # sends the same photo twice: refused
DECLINES = "declines"  # declines in the evening; the admin reassigns the trip
SPARE = "spare"  # has no trip in the manifest; gets the declined one
OVER_VISA = "over-visa"  # 90 days in Kazakhstan in the last 180: held back at dispatch
SLEEPS = "sleeps"  # offline in the evening: reminder, escalation, morning re-send
LATE = "late"  # picks up late: the driver's reminder, then the admins'
PROBLEM = "problem"  # reports a flat tyre with a voice note
BACK = "back"  # drives back to China the same day

_MODELS = (
    "BYD Song Plus DM-i",
    "Geely Monjaro",
    "Chery Tiggo 8 Pro",
    "Li Auto L7",
    "BYD Han EV",
    "Zeekr 001",
    "Haval H6 HEV",
    "Changan UNI-K",
)

_PEOPLE: tuple[tuple[str, str, str, str | None], ...] = (
    ("潘广德", "zh", "+8613800000001", GATE),
    ("马林", "zh", "+8613800000002", DECLINES),
    ("王建国", "zh", "+8613800000003", SLEEPS),
    ("李娜", "zh", "+8613800000004", BACK),
    ("张伟", "zh", "+8613800000005", None),
    ("赵磊", "zh", "+8613800000006", None),
    ("Иван Петров", "ru", "+77010000011", FLAGGED),
    ("Сергей Волков", "ru", "+77010000012", OVER_VISA),
    ("Алексей Смирнов", "ru", "+77010000013", LATE),
    ("Ольга Ким", "ru", "+77010000014", None),
    ("Дмитрий Орлов", "ru", "+77010000015", None),
    ("Қайрат Сәрсенов", "kk", "+77010000021", PROBLEM),
    ("Нұрлан Әбенов", "kk", "+77010000022", SLEEPS),
    ("Әсел Жұмабаева", "kk", "+77010000023", None),
    ("Ғалым Омаров", "kk", "+77010000024", BACK),
    ("Бауыржан Төлеуов", "kk", "+77010000025", None),
    ("Aidar Bekov", "en", "+77010000031", REUSED),
    ("Timur Aliev", "en", "+996700000032", None),
    ("Aziz Karimov", "en", "+998900000033", None),
    ("Daniyar Sultanov", "en", "+77010000034", SPARE),
)

DRIVERS = tuple(
    DemoDriver(
        name=name,
        language=language,
        phone=phone,
        passport=f"{'E' if language == 'zh' else 'N'}{1234500 + n:08d}",
        vin=vin(n + 1),
        model=_MODELS[n % len(_MODELS)],
        destination="almaty-lot" if n in (4, 9, 15, 17) else "zharkent-lot",
        part=part,
    )
    for n, (name, language, phone, part) in enumerate(_PEOPLE)
)


ROLES = {
    GATE: "the gate officer checks his QR",
    FLAGGED: "delivers 12 km from the lot (flagged)",
    REUSED: "sends the same photo twice",
    DECLINES: "declines his trip",
    SPARE: "no trip in the manifest; takes the declined one",
    OVER_VISA: "90 visa-free days used in 180: held back",
    SLEEPS: "does not answer in the evening",
    LATE: "late for the pick-up",
    PROBLEM: "reports a flat tyre",
    BACK: "back in China the same day",
}
LANGUAGES = {"zh": "Chinese", "ru": "Russian", "kk": "Kazakh", "en": "English"}


def cast_list() -> str:
    """Who is who, for the top of the transcript."""
    lines = [
        "| who | reads | in the day |",
        "|---|---|---|",
        f"| {OWNER_NAME} | Chinese | the company's owner |",
        f"| {ADMIN_NAME} | Russian | the dispatcher (admin) |",
        f"| {GUARD_NAME} | Russian | checkpoint officer at Nur Zholy |",
    ]
    for driver in DRIVERS:
        role = ROLES.get(driver.part or "", "driver")
        role = role if driver.part is None else f"driver: {role}"
        lines.append(f"| {driver.name} | {LANGUAGES[driver.language]} | {role} |")
    lots = {place["code"]: place["name"] for place in PLACES}
    for lot, people in RECEIVERS.items():
        for name, _ in people:
            lines.append(f"| {name} | Russian | receiver at the {lots[lot]} (not registered) |")
    return "\n".join(lines)


def playing(part: str) -> tuple[DemoDriver, ...]:
    return tuple(d for d in DRIVERS if d.part == part)


def one(part: str) -> DemoDriver:
    (driver,) = playing(part)
    return driver


# Who takes the cars at the lots (never registered: they open the driver's handover link).
RECEIVERS = {
    "zharkent-lot": (("Айбек Нурланов", "+77010000101"), ("Ержан Касымов", "+77010000103")),
    "almaty-lot": (("Мадина Ахметова", "+77010000102"),),
}


def receiver_of(lot: str, n: int) -> tuple[str, str]:
    """The receivers of a lot take its cars in turn (two are on shift at Zharkent)."""
    people = RECEIVERS[lot]
    return people[n % len(people)]


TWELVE_KM_OUT = (44.1630, 80.1530)  # where the flagged delivery is recorded
FLAT_TYRE_AT = (44.1900, 80.2100)  # on the road after Nur Zholy
