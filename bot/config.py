"""Settings: read once from TOML (plus secrets from the environment) into a frozen object."""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.proof_items import DELIVERY_CHECKLIST, PICKUP_CHECKLIST, ProofItem
from bot.domain.zones import zone
from bot.inputs import normalize_phone
from bot.secrets import Secret

TOKEN_ENV = "FERRYMAN_BOT_TOKEN"
SIGNING_KEYS_ENV = "FERRYMAN_SIGNING_KEYS"
CONFIG_ENV = "FERRYMAN_CONFIG"
DEFAULT_CONFIG_PATH = Path("config.toml")
SUPPORTED_LANGUAGES = ("zh", "ru", "en", "kk")
DEFAULT_CHECKLIST: tuple[str, ...] = tuple(item.value for item in DELIVERY_CHECKLIST)
DEFAULT_PICKUP_CHECKLIST: tuple[str, ...] = tuple(item.value for item in PICKUP_CHECKLIST)
PLACE_KINDS = ("yard", "lot", "checkpoint")
PLACE_COUNTRIES = ("CN", "KZ")
# Kazakhstan is one zone (UTC+5) since 1 March 2024; China places follow the company's clock.
KAZAKHSTAN_ZONE = "Asia/Almaty"
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")

_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_PLACE_CODE_RE = re.compile(r"^[a-z0-9_-]{1,32}$")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the setting and the file."""

    def __init__(self, source: str, setting: str, problem: str) -> None:
        self.source = source
        self.setting = setting
        self.problem = problem
        super().__init__(f"{source}: setting '{setting}': {problem}")


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: Secret = field(default_factory=lambda: Secret(""))
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    listen: str = "127.0.0.1:8443"
    secret_token: Secret = field(default_factory=lambda: Secret(""))
    # "http://host:port" or "socks5://user:password@host:port"; may hold a password.
    proxy: Secret = field(default_factory=lambda: Secret(""))
    drop_pending_updates: bool = False


@dataclass(frozen=True, slots=True)
class CompanySettings:
    name: str = "Ferryman"
    timezone: ZoneInfo = field(default_factory=lambda: zone("Asia/Shanghai"))
    owners: tuple[int, ...] = ()
    group_chat_id: int | None = None
    default_language: str = "zh"
    # E.164; the "📞 Call the dispatcher" button sends it as a contact card. Empty: no button.
    dispatcher_phone: str = ""


@dataclass(frozen=True, slots=True)
class StorageSettings:
    database: Path = Path("ferryman.sqlite3")
    media_dir: Path = Path("media")


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    evening_dispatch: time = time(19, 0)
    morning_dispatch: time = time(6, 0)
    reminder_after_minutes: int = 30
    escalate_after_minutes: int = 60
    daily_summary: time = time(21, 0)
    group_digest_minutes: int = 10


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    geofence_radius_m: float = 1000.0
    photo_checklist: tuple[str, ...] = DEFAULT_CHECKLIST
    # The receiver's one-time handover link works this long after the delivery...
    handover_valid_hours: int = 48
    # ...and a delivery nobody confirmed shows on the admins' board after this many minutes.
    receiver_confirm_minutes: int = 120


@dataclass(frozen=True, slots=True)
class ClearanceSettings:
    active_key_id: str = ""
    keys: Mapping[str, Secret] = field(default_factory=dict)
    validity_hours: int = 48
    checkpoint_users: tuple[int, ...] = ()

    def __repr__(self) -> str:
        return (
            f"ClearanceSettings(active_key_id={self.active_key_id!r}, "
            f"keys=<{len(self.keys)} masked>, validity_hours={self.validity_hours}, "
            f"checkpoint_users={self.checkpoint_users!r})"
        )


@dataclass(frozen=True, slots=True)
class PlaceSettings:
    code: str
    name: str
    kind: str
    latitude: float
    longitude: float
    address: str = ""
    # "CN" or "KZ"; decides the default time zone. Lots are in Kazakhstan unless told.
    country: str = "CN"
    # IANA zone name the place's times are shown in.
    timezone: str = "Asia/Shanghai"
    # Optional translations of the name by language code; `name` is shown otherwise.
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BackupSettings:
    folder: Path = Path("backups")
    keep: int = 7  # nightly archives kept; 0 turns the nightly backup off
    at: time = time(3, 0)  # company time


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    format: Literal["text", "json"] = "text"


@dataclass(frozen=True, slots=True)
class PickupSettings:
    # Photos taken at the yard before "Picked up" is accepted (off unless switched on).
    photos: bool = False
    photo_checklist: tuple[str, ...] = DEFAULT_PICKUP_CHECKLIST


@dataclass(frozen=True, slots=True)
class Settings:
    source: str
    telegram: TelegramSettings
    company: CompanySettings
    storage: StorageSettings
    schedule: ScheduleSettings
    delivery: DeliverySettings
    clearance: ClearanceSettings
    places: tuple[PlaceSettings, ...]
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    pickup: PickupSettings = field(default_factory=lambda: PickupSettings())


def suggestion(word: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the nearest known word, else ''."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown_choice(word: str, known: Sequence[str]) -> str:
    hint = suggestion(word, known)
    return (
        f"unknown {word!r}{hint}"
        if hint
        else f"unknown {word!r}; expected one of " + (", ".join(known))
    )


class _Reader:
    """Typed access to one TOML table with errors that name the full setting.

    Every key read is remembered, so after reading, any key left over is a typo or a setting
    this version does not have: refused by name with the nearest known key, instead of being
    silently ignored (a typo'd `timezon` must not quietly fall back to the default).
    """

    def __init__(
        self, source: str, table: Mapping[str, Any], prefix: str, *, open_keys: bool = False
    ) -> None:
        self.source = source
        self.table = table
        self.prefix = prefix
        self.known: set[str] = set()
        self.children: list[_Reader] = []
        # A table whose keys are data (signing key ids), not setting names.
        self.open_keys = open_keys

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, f"{self.prefix}{key}", problem)

    def raw(self, key: str) -> Any:
        """The value as written (None when absent), for checks the typed readers lack."""
        self.known.add(key)
        return self.table.get(key)

    def refuse_unknown(self) -> None:
        """Raise for the first key nobody read, naming the nearest known one."""
        if not self.open_keys:
            for key in self.table:
                if key in self.known:
                    continue
                value = self.table[key]
                section = isinstance(value, Mapping) or (
                    isinstance(value, list) and bool(value) and isinstance(value[0], Mapping)
                )
                what = "unknown section" if section and not self.prefix else "unknown setting"
                hint = suggestion(key, self.known)
                if not hint:
                    # A key put in the wrong table: point at the table it belongs to.
                    owners = [c.prefix for c in self.children if key in c.known]
                    if owners:
                        hint = f"; did you mean {owners[0] + key!r}?"
                raise self.fail(key, what + hint)
        for child in self.children:
            child.refuse_unknown()

    def _get(
        self,
        key: str,
        default: Any,
        kinds: tuple[type, ...],
        kind_name: str,
        *,
        secret: bool = False,
    ) -> Any:
        self.known.add(key)
        value = self.table.get(key, default)
        # bool is an int subclass; a stray `true` must not pass as a number.
        if value is not default and (
            not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        ):
            # A mistyped secret must not end up in the error message (and so in logs).
            got = f"a value of type {type(value).__name__} (hidden)" if secret else repr(value)
            raise self.fail(key, f"expected {kind_name}, got {got}")
        return value

    def string(self, key: str, default: str, *, secret: bool = False) -> str:
        return str(self._get(key, default, (str,), "a string", secret=secret))

    def boolean(self, key: str, default: bool) -> bool:
        return bool(self._get(key, default, (bool,), "true or false"))

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        value = int(self._get(key, default, (int,), "an integer"))
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, default: float, minimum: float | None = None) -> float:
        value = float(self._get(key, default, (int, float), "a number"))
        if not math.isfinite(value):
            raise self.fail(key, f"expected a finite number, got {value}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def int_list(self, key: str) -> tuple[int, ...]:
        value = self._get(key, [], (list,), "a list of Telegram user ids")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise self.fail(key, f"expected a list of Telegram user ids, got {value!r}")
        return tuple(value)

    def str_list(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self._get(key, list(default), (list,), "a list of strings")
        if not value or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, f"expected a non-empty list of strings, got {value!r}")
        return tuple(value)

    def clock(self, key: str, default: time) -> time:
        raw = self.raw(key)
        if raw is None:
            return default
        if isinstance(raw, time):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"\d{2}:\d{2}", raw):
            hours, minutes = (int(part) for part in raw.split(":"))
            if hours < 24 and minutes < 60:
                return time(hours, minutes)
        raise self.fail(key, f'expected a time of day as "HH:MM" (24-hour), got {raw!r}')

    def sub(self, key: str, *, open_keys: bool = False) -> _Reader:
        self.known.add(key)
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "expected a table")
        child = _Reader(self.source, value, f"{self.prefix}{key}.", open_keys=open_keys)
        self.children.append(child)
        return child


def _parse_signing_keys(source: str, raw: str) -> dict[str, Secret]:
    keys: dict[str, Secret] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key_id, sep, secret = part.partition(":")
        if not sep or not _KEY_ID_RE.fullmatch(key_id) or len(secret) < 16:
            raise ConfigError(
                source,
                SIGNING_KEYS_ENV,
                "expected 'keyid:secret' pairs separated by commas, key ids of "
                "A-Za-z0-9_- and secrets of at least 16 characters",
            )
        if key_id in keys:
            raise ConfigError(source, SIGNING_KEYS_ENV, f"key id {key_id!r} is given twice")
        keys[key_id] = Secret(secret)
    if not keys:
        raise ConfigError(
            source, SIGNING_KEYS_ENV, "is set but holds no 'keyid:secret' pairs (unset it instead)"
        )
    return keys


def _telegram(r: _Reader, env: Mapping[str, str]) -> TelegramSettings:
    mode = r.string("mode", "polling")
    if mode not in ("polling", "webhook"):
        raise r.fail("mode", f'expected "polling" or "webhook", got {mode!r}')
    webhook_url = r.string("webhook_url", "")
    if mode == "webhook" and not webhook_url.startswith(("https://", "http://")):
        raise r.fail("webhook_url", "webhook mode needs the public URL Telegram posts to")
    listen = r.string("listen", "127.0.0.1:8443")
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise r.fail("listen", f'expected "host:port", got {listen!r}')
    secret_token = r.string("secret_token", "", secret=True)
    if secret_token and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret_token):
        raise r.fail("secret_token", "use 1-256 characters of A-Za-z0-9_-")
    base = r.string("api_base_url", "https://api.telegram.org/bot")
    files = r.string("api_file_url", "https://api.telegram.org/file/bot")
    for key, url in (("api_base_url", base), ("api_file_url", files)):
        if not url.startswith(("https://", "http://")):
            raise r.fail(key, f"expected an http(s) URL, got {url!r}")
    proxy = r.string("proxy", "", secret=True)
    scheme, sep, rest = proxy.partition("://")
    if proxy and (not sep or scheme not in PROXY_SCHEMES or not rest):
        # The value may carry a password: name the expected shape, never echo it.
        raise r.fail(
            "proxy",
            "expected a URL like http://host:port or socks5://user:password@host:port "
            f"(schemes: {', '.join(PROXY_SCHEMES)})",
        )
    # Read the file's token even when the environment wins, so the key counts as known.
    file_token = r.string("token", "", secret=True)
    token = env.get(TOKEN_ENV) or file_token
    return TelegramSettings(
        token=Secret(token),
        api_base_url=base,
        api_file_url=files,
        mode="webhook" if mode == "webhook" else "polling",
        webhook_url=webhook_url,
        listen=listen,
        secret_token=Secret(secret_token),
        proxy=Secret(proxy),
        drop_pending_updates=r.boolean("drop_pending_updates", False),
    )


def _zone(r: _Reader, key: str, default: str) -> ZoneInfo:
    zone_name = r.string(key, default)
    try:
        return zone(zone_name)
    # Read from the pinned tzdata package, not the system's copy (see bot.domain.zones).
    except ZoneInfoNotFoundError:
        raise r.fail(key, f"unknown time zone {zone_name!r} (use e.g. 'Asia/Shanghai')") from None


def _company(r: _Reader) -> CompanySettings:
    company_zone = _zone(r, "timezone", "Asia/Shanghai")
    language = r.string("default_language", "zh")
    if language not in SUPPORTED_LANGUAGES:
        raise r.fail("default_language", f"expected one of {', '.join(SUPPORTED_LANGUAGES)}")
    group_raw = r.raw("group_chat_id")
    if group_raw is not None and (not isinstance(group_raw, int) or isinstance(group_raw, bool)):
        raise r.fail("group_chat_id", f"expected a Telegram chat id, got {group_raw!r}")
    return CompanySettings(
        name=r.string("name", "Ferryman"),
        timezone=company_zone,
        owners=r.int_list("owners"),
        group_chat_id=group_raw or None,
        default_language=language,
        dispatcher_phone=_phone(r, "dispatcher_phone"),
    )


def _phone(r: _Reader, key: str) -> str:
    raw = r.string(key, "")
    if not raw:
        return ""
    normalized = normalize_phone(raw)
    if normalized is None:
        raise r.fail(key, f"not a phone number: {raw!r} (use the international form, +7 701 …)")
    return normalized


def _clearance(r: _Reader, env: Mapping[str, str]) -> ClearanceSettings:
    keys_table = r.sub("keys", open_keys=True)
    keys: dict[str, Secret] = {}
    for key_id, secret in keys_table.table.items():
        if not _KEY_ID_RE.fullmatch(key_id):
            raise keys_table.fail(key_id, "key ids use 1-16 characters of A-Za-z0-9_-")
        if not isinstance(secret, str) or len(secret) < 16:
            raise keys_table.fail(key_id, "a signing key must be a string of 16+ characters")
        keys[key_id] = Secret(secret)
    if env.get(SIGNING_KEYS_ENV):
        keys = _parse_signing_keys(r.source, env[SIGNING_KEYS_ENV])
    active = r.string("active_key_id", "")
    if active and active not in keys:
        raise r.fail("active_key_id", f"unknown key id {active!r}: not among the signing keys")
    if not active and keys:
        raise r.fail("active_key_id", "signing keys are set but none is named active")
    return ClearanceSettings(
        active_key_id=active,
        keys=keys,
        validity_hours=r.integer("validity_hours", 48, minimum=1),
        checkpoint_users=r.int_list("checkpoint_users"),
    )


def _place_names(r: _Reader) -> dict[str, str]:
    names = r.sub("names", open_keys=True)
    result: dict[str, str] = {}
    for language in names.table:
        if language not in SUPPORTED_LANGUAGES:
            raise names.fail(language, _unknown_choice(language, SUPPORTED_LANGUAGES))
        value = names.string(language, "").strip()
        if not value:
            raise names.fail(language, "expected a non-empty name")
        result[language] = value
    return result


def _places(root: _Reader, company_zone: ZoneInfo) -> tuple[PlaceSettings, ...]:
    source = root.source
    raw = root.raw("places")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(source, "places", "expected an array of tables ([[places]])")
    places: list[PlaceSettings] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ConfigError(source, f"places[{index}]", "expected a table ([[places]])")
        r = _Reader(source, item, f"places[{index}].")
        root.children.append(r)
        code = r.string("code", "")
        if not _PLACE_CODE_RE.fullmatch(code):
            raise r.fail("code", "expected 1-32 characters of a-z0-9_-")
        kind = r.string("kind", "")
        if kind not in PLACE_KINDS:
            raise r.fail("kind", _unknown_choice(kind, PLACE_KINDS))
        latitude = r.number("latitude", 0.0)
        longitude = r.number("longitude", 0.0)
        if not -90 <= latitude <= 90:
            raise r.fail("latitude", "must be between -90 and 90")
        if not -180 <= longitude <= 180:
            raise r.fail("longitude", "must be between -180 and 180")
        if code in {p.code for p in places}:
            raise r.fail("code", f"duplicate place code {code!r}")
        country = r.string("country", "KZ" if kind == "lot" else "CN").upper()
        if country not in PLACE_COUNTRIES:
            raise r.fail("country", _unknown_choice(country, PLACE_COUNTRIES))
        default_zone = KAZAKHSTAN_ZONE if country == "KZ" else company_zone.key
        place_zone = _zone(r, "timezone", default_zone)
        places.append(
            PlaceSettings(
                code=code,
                name=r.string("name", code),
                kind=kind,
                latitude=latitude,
                longitude=longitude,
                address=r.string("address", ""),
                country=country,
                timezone=place_zone.key,
                names=_place_names(r),
            )
        )
    return tuple(places)


def parse_settings(
    data: Mapping[str, Any], source: str, env: Mapping[str, str] | None = None
) -> Settings:
    """Validate a parsed TOML document; relative paths resolve against the file's folder."""
    env = os.environ if env is None else env
    root = _Reader(source, data, "")
    storage = root.sub("storage")
    base = Path(source).parent if source and Path(source).name != "<memory>" else Path()
    schedule = root.sub("schedule")
    delivery = root.sub("delivery")
    company = _company(root.sub("company"))
    settings = Settings(
        source=source,
        telegram=_telegram(root.sub("telegram"), env),
        company=company,
        storage=StorageSettings(
            database=base / storage.string("database", "ferryman.sqlite3"),
            media_dir=base / storage.string("media_dir", "media"),
        ),
        schedule=ScheduleSettings(
            evening_dispatch=schedule.clock("evening_dispatch", time(19, 0)),
            morning_dispatch=schedule.clock("morning_dispatch", time(6, 0)),
            reminder_after_minutes=schedule.integer("reminder_after_minutes", 30, minimum=1),
            escalate_after_minutes=schedule.integer("escalate_after_minutes", 60, minimum=1),
            daily_summary=schedule.clock("daily_summary", time(21, 0)),
            group_digest_minutes=schedule.integer("group_digest_minutes", 10, minimum=1),
        ),
        delivery=DeliverySettings(
            geofence_radius_m=delivery.number("geofence_radius_m", 1000.0, minimum=1),
            photo_checklist=_checklist(delivery),
            handover_valid_hours=delivery.integer("handover_valid_hours", 48, minimum=1),
            receiver_confirm_minutes=delivery.integer("receiver_confirm_minutes", 120, minimum=1),
        ),
        clearance=_clearance(root.sub("clearance"), env),
        places=_places(root, company.timezone),
        logging=_logging(root.sub("logging")),
        backup=_backup(root.sub("backup"), base),
        pickup=_pickup(root.sub("pickup")),
    )
    root.refuse_unknown()
    return settings


def _backup(r: _Reader, base: Path) -> BackupSettings:
    return BackupSettings(
        folder=base / r.string("folder", "backups"),
        keep=r.integer("keep", 7, minimum=0),
        at=r.clock("at", time(3, 0)),
    )


def _logging(r: _Reader) -> LoggingSettings:
    fmt = r.string("format", "text")
    if fmt not in ("text", "json"):
        raise r.fail("format", _unknown_choice(fmt, ("text", "json")))
    return LoggingSettings(format="json" if fmt == "json" else "text")


def _pickup(r: _Reader) -> PickupSettings:
    return PickupSettings(
        photos=r.boolean("photos", False),
        photo_checklist=_checklist(r, DEFAULT_PICKUP_CHECKLIST),
    )


def _checklist(r: _Reader, default: tuple[str, ...] = DEFAULT_CHECKLIST) -> tuple[str, ...]:
    """Only items the bot can ask for in every language; a typo would be shown raw."""
    items = r.str_list("photo_checklist", default)
    known = [item.value for item in ProofItem]
    for item in items:
        if item not in known:
            raise r.fail("photo_checklist", _unknown_choice(item, known))
    if len(set(items)) != len(items):
        raise r.fail("photo_checklist", "an item is listed twice")
    return items


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, "-", "file not found") from None
    except OSError as exc:
        raise ConfigError(source, "-", f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            source, "-", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "-", f"malformed TOML: {exc}") from None
    return parse_settings(data, source, env)


def resolve_config_path(cli_path: str | None, env: Mapping[str, str] | None = None) -> Path:
    """--config PATH, else $FERRYMAN_CONFIG, else ./config.toml."""
    env = os.environ if env is None else env
    if cli_path:
        return Path(cli_path)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return DEFAULT_CONFIG_PATH
