"""Settings: the example file loads, every bad setting gets its own clear message, secrets stay
secret, and the config file is found as documented."""

from __future__ import annotations

import logging
from datetime import time
from pathlib import Path

import pytest

from bot import cli
from bot.config import (
    CONFIG_ENV,
    SIGNING_KEYS_ENV,
    TOKEN_ENV,
    ConfigError,
    Settings,
    load_settings,
    parse_settings,
    resolve_config_path,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")

TOKEN = "7123456789:AAH-very-secret-token-value_42"
SECRET_A = "rotated-secret-value-0002"
SECRET_B = "previous-secret-value-0001"
ENV_KEYS = f"k2:{SECRET_A},k1:{SECRET_B}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (TOKEN_ENV, SIGNING_KEYS_ENV, CONFIG_ENV):
        monkeypatch.delenv(name, raising=False)


def write_config(folder: Path, *edits: tuple[str, str], name: str = "config.toml") -> Path:
    """The example file with each (old, new) replacement applied exactly once."""
    text = EXAMPLE_TEXT
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur once in the example"
        text = text.replace(old, new)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    # main() registers optional subcommands into a module list on every call; start clean.
    monkeypatch.setattr(cli, "_EXTRA_COMMANDS", [])
    return cli.main(list(argv))


# --- the example file ---------------------------------------------------------------------


def test_example_loads() -> None:
    settings = load_settings(EXAMPLE, env={})
    assert settings.source == str(EXAMPLE)
    assert settings.company.timezone.key == "Asia/Shanghai"
    assert settings.company.name == "Horgos Auto Export"
    assert settings.telegram.mode == "polling"
    assert not settings.telegram.token
    assert settings.schedule.evening_dispatch == time(19, 0)
    assert settings.schedule.morning_dispatch == time(6, 0)
    assert settings.delivery.geofence_radius_m == 1000
    assert settings.delivery.photo_checklist == ("vin_plate", "dashboard", "car_at_lot")
    assert settings.clearance.active_key_id == "k1"
    assert set(settings.clearance.keys) == {"k1"}
    assert [p.code for p in settings.places] == [
        "horgos-yard",
        "nur-zholy",
        "zharkent-lot",
        "almaty-lot",
    ]
    assert settings.places[0].kind == "yard"
    assert settings.places[3].latitude == pytest.approx(43.3)


def test_check_config_on_the_example_asks_for_a_real_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example is complete but for the token and the (public) signing key, as run says."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert run_cli(monkeypatch, "check-config", str(EXAMPLE)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "example signing key is public" in err
    monkeypatch.setenv(SIGNING_KEYS_ENV, ENV_KEYS)
    assert run_cli(monkeypatch, "check-config", str(EXAMPLE)) == 0
    out, err = capsys.readouterr()
    assert f"{EXAMPLE}: OK" in out
    assert "Asia/Shanghai" in out
    assert "places: 4" in out
    assert err == ""


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    settings = load_settings(path, env={})
    assert settings.company.timezone.key == "Asia/Shanghai"
    assert settings.company.default_language == "zh"
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.places == ()
    assert settings.clearance.keys == {}


def test_relative_storage_paths_resolve_against_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    settings = load_settings(write_config(folder), env={})
    assert settings.storage.database == folder / "ferryman.sqlite3"
    assert settings.storage.media_dir == folder / "media"


def test_toml_local_times_are_accepted(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('evening_dispatch = "19:00"', "evening_dispatch = 19:30:00"))
    assert load_settings(path, env={}).schedule.evening_dispatch == time(19, 30)


def test_webhook_mode_with_a_url(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        ('mode = "polling"', 'mode = "webhook"'),
        ('webhook_url = ""', 'webhook_url = "https://bot.example.com/telegram"'),
    )
    settings = load_settings(path, env={})
    assert settings.telegram.mode == "webhook"
    assert settings.telegram.webhook_url == "https://bot.example.com/telegram"


# --- every kind of bad setting ------------------------------------------------------------

# (id, edits to the example, setting named in the error, words the problem must contain)
BAD: list[tuple[str, list[tuple[str, str]], str, str]] = [
    (
        "unknown-time-zone",
        [('timezone = "Asia/Shanghai"', 'timezone = "Asia/Beijing"')],
        "company.timezone",
        "unknown time zone 'Asia/Beijing'",
    ),
    (
        "time-zone-folder",
        [('timezone = "Asia/Shanghai"', 'timezone = "Asia"')],
        "company.timezone",
        "unknown time zone 'Asia'",
    ),
    (
        "utc-offset-as-zone",
        [('timezone = "Asia/Shanghai"', 'timezone = "UTC+8"')],
        "company.timezone",
        "unknown time zone",
    ),
    (
        "time-of-day-words",
        [('evening_dispatch = "19:00"', 'evening_dispatch = "7pm"')],
        "schedule.evening_dispatch",
        '"HH:MM"',
    ),
    (
        "time-of-day-24h",
        [('morning_dispatch = "06:00"', 'morning_dispatch = "24:00"')],
        "schedule.morning_dispatch",
        '"HH:MM"',
    ),
    (
        "time-of-day-minutes",
        [('daily_summary = "21:00"', 'daily_summary = "21:60"')],
        "schedule.daily_summary",
        '"HH:MM"',
    ),
    (
        "time-of-day-number",
        [('daily_summary = "21:00"', "daily_summary = 21")],
        "schedule.daily_summary",
        '"HH:MM"',
    ),
    (
        "unknown-active-key",
        [('active_key_id = "k1"', 'active_key_id = "k9"')],
        "clearance.active_key_id",
        "unknown key id 'k9'",
    ),
    (
        "short-signing-key",
        [('keys = { k1 = "change-me-to-a-long-random-secret" }', 'keys = { k1 = "short" }')],
        "clearance.keys.k1",
        "16+ characters",
    ),
    (
        "keys-without-active",
        [('active_key_id = "k1"', 'active_key_id = ""')],
        "clearance.active_key_id",
        "none is named active",
    ),
    (
        "malformed-toml",
        [('name = "Horgos Auto Export"', 'name = "Horgos Auto Export')],
        "-",
        "malformed TOML",
    ),
    (
        "string-for-integer",
        [("reminder_after_minutes = 30", 'reminder_after_minutes = "30"')],
        "schedule.reminder_after_minutes",
        "expected an integer, got '30'",
    ),
    (
        "boolean-for-integer",
        [("escalate_after_minutes = 60", "escalate_after_minutes = true")],
        "schedule.escalate_after_minutes",
        "expected an integer, got True",
    ),
    (
        "below-minimum",
        [("validity_hours = 48", "validity_hours = 0")],
        "clearance.validity_hours",
        "at least 1",
    ),
    (
        "string-for-number",
        [("geofence_radius_m = 1000", 'geofence_radius_m = "1km"')],
        "delivery.geofence_radius_m",
        "expected a number",
    ),
    (
        "not-a-finite-number",
        [("geofence_radius_m = 1000", "geofence_radius_m = nan")],
        "delivery.geofence_radius_m",
        "finite",
    ),
    (
        "owners-as-strings",
        [("owners = []", 'owners = ["@dispatcher"]')],
        "company.owners",
        "Telegram user ids",
    ),
    (
        "empty-checklist",
        [('photo_checklist = ["vin_plate", "dashboard", "car_at_lot"]', "photo_checklist = []")],
        "delivery.photo_checklist",
        "non-empty list",
    ),
    (
        "table-is-a-string",
        [("[telegram]\n", 'storage = "db.sqlite3"\n[telegram]\n'), ("[storage]", "[old]")],
        "storage",
        "expected a table",
    ),
    (
        "unsupported-language",
        [('default_language = "zh"', 'default_language = "de"')],
        "company.default_language",
        "zh, ru, en, kk",
    ),
    (
        "unknown-mode",
        [('mode = "polling"', 'mode = "long-polling"')],
        "telegram.mode",
        '"polling" or "webhook"',
    ),
    (
        "webhook-without-url",
        [('mode = "polling"', 'mode = "webhook"')],
        "telegram.webhook_url",
        "webhook mode needs the public URL",
    ),
    (
        "bad-listen-address",
        [('listen = "127.0.0.1:8443"', 'listen = "127.0.0.1"')],
        "telegram.listen",
        '"host:port"',
    ),
    (
        "bad-api-url",
        [
            (
                'api_base_url = "https://api.telegram.org/bot"',
                'api_base_url = "api.telegram.org/bot"',
            )
        ],
        "telegram.api_base_url",
        "http(s) URL",
    ),
    (
        "latitude-out-of-range",
        [("latitude = 44.2140", "latitude = 95.0")],
        "places[0].latitude",
        "between -90 and 90",
    ),
    (
        "longitude-out-of-range",
        [("longitude = 76.9000", "longitude = 196.9")],
        "places[3].longitude",
        "between -180 and 180",
    ),
    (
        "unknown-place-kind",
        [('kind = "lot"\nlatitude = 44.1630', 'kind = "depot"\nlatitude = 44.1630')],
        "places[2].kind",
        "yard, lot, checkpoint",
    ),
    (
        "duplicate-place-code",
        [('code = "almaty-lot"', 'code = "zharkent-lot"')],
        "places[3].code",
        "duplicate place code 'zharkent-lot'",
    ),
    (
        "bad-place-code",
        [('code = "almaty-lot"', 'code = "Almaty Lot"')],
        "places[3].code",
        "a-z0-9_-",
    ),
]


@pytest.mark.parametrize(
    ("edits", "setting", "problem"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_setting_is_named(
    tmp_path: Path, edits: list[tuple[str, str]], setting: str, problem: str
) -> None:
    path = write_config(tmp_path, *edits)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    error = caught.value
    assert error.source == str(path)
    assert error.setting == setting
    assert problem in error.problem
    assert str(path) in str(error)
    if setting != "-":
        assert f"'{setting}'" in str(error)


@pytest.mark.parametrize(
    ("edits", "setting", "problem"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_setting_through_check_config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edits: list[tuple[str, str]],
    setting: str,
    problem: str,
) -> None:
    path = write_config(tmp_path, *edits)
    assert run_cli(monkeypatch, "check-config", str(path)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "configuration error" in err
    assert str(path) in err
    assert setting in err
    assert problem in err
    assert "Traceback" not in err


def test_place_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('places = ["horgos-yard"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.setting == "places[0]"
    assert "expected a table" in caught.value.problem


def test_kinds_of_error_have_distinct_messages(tmp_path: Path) -> None:
    messages = set()
    for name, edits, _, _ in BAD:
        folder = tmp_path / name
        folder.mkdir()
        with pytest.raises(ConfigError) as caught:
            load_settings(write_config(folder, *edits), env={})
        messages.add(str(caught.value).replace(str(folder), "<folder>"))
    assert len(messages) == len(BAD)


def test_malformed_toml_says_where(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('name = "Horgos Auto Export"', 'name = "Horgos Auto Export'))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    line = 1 + EXAMPLE_TEXT[: EXAMPLE_TEXT.index('name = "Horgos')].count("\n")
    assert f"line {line}," in caught.value.problem


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.source == str(path)
    assert "file not found" in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_folder_is_not_a_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, env={})
    assert "cannot read the file" in caught.value.problem


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(EXAMPLE_TEXT.replace("Horgos Auto Export", "霍尔果斯").encode("gb18030"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert "UTF-8" in caught.value.problem


def test_missing_file_through_check_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.toml"
    assert run_cli(monkeypatch, "check-config", str(path)) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "file not found" in err


# --- secrets ------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {TOKEN_ENV: TOKEN, SIGNING_KEYS_ENV: ENV_KEYS}


def _assert_no_secret(text: str) -> None:
    for secret in (TOKEN, SECRET_A, SECRET_B, "change-me-to-a-long-random-secret"):
        assert secret not in text
    assert "AAH-very-secret" not in text


def test_secrets_from_the_environment_override_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('\ntoken = ""', '\ntoken = "1:file-token-value"'))
    settings = load_settings(path, env=_env())
    assert settings.telegram.token.reveal() == TOKEN
    assert {k: v.reveal() for k, v in settings.clearance.keys.items()} == {
        "k2": SECRET_A,
        "k1": SECRET_B,
    }


def test_the_file_token_is_used_without_the_environment(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('\ntoken = ""', '\ntoken = "1:file-token-value"'))
    settings = load_settings(path, env={})
    assert settings.telegram.token.reveal() == "1:file-token-value"
    assert settings.clearance.keys["k1"].reveal() == "change-me-to-a-long-random-secret"


def test_environment_keys_replace_the_file_table(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={SIGNING_KEYS_ENV: f"k2:{SECRET_A}"})
    assert caught.value.setting == "clearance.active_key_id"
    assert "'k1'" in caught.value.problem
    _assert_no_secret(str(caught.value))


def test_secrets_are_not_in_repr(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path), env=_env())
    for text in (
        repr(settings),
        str(settings),
        repr(settings.telegram),
        repr(settings.clearance),
        repr(dict(settings.clearance.keys)),
        f"{settings.telegram.token}",
        str(settings.clearance.keys["k2"]),
    ):
        _assert_no_secret(text)
    assert "active_key_id='k1'" in repr(settings.clearance)  # not secret: useful to see


def test_secrets_are_not_in_error_messages(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=_env())
    _assert_no_secret(str(caught.value))
    _assert_no_secret(repr(caught.value))


@pytest.mark.parametrize(
    "raw",
    [
        f"k1={SECRET_A}",  # no colon
        f"k1:{SECRET_A[:10]}",  # too short
        f"bad id!:{SECRET_A}",  # bad key id
        f"k1:{SECRET_A},{SECRET_B}",  # second pair without a key id
        f"k1:{SECRET_A},k1:{SECRET_B}",  # the same key id twice
        " , ",  # set, but nothing in it
    ],
    ids=["no-colon", "short", "bad-id", "missing-id", "duplicate-id", "empty"],
)
def test_malformed_signing_keys_do_not_leak(tmp_path: Path, raw: str) -> None:
    path = write_config(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={SIGNING_KEYS_ENV: raw})
    assert caught.value.setting == SIGNING_KEYS_ENV
    assert str(path) in str(caught.value)
    _assert_no_secret(str(caught.value))
    assert SECRET_A[:10] not in str(caught.value)


def test_malformed_signing_keys_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SIGNING_KEYS_ENV, f"k1={SECRET_A}")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert run_cli(monkeypatch, "check-config", str(write_config(tmp_path))) == 2
    out, err = capsys.readouterr()
    assert SIGNING_KEYS_ENV in err
    _assert_no_secret(out + err)


def test_a_mistyped_token_is_not_echoed(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('\ntoken = ""', "\ntoken = 7123456789"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.setting == "telegram.token"
    assert "expected a string" in caught.value.problem
    assert "7123456789" not in str(caught.value)


def test_a_mistyped_webhook_secret_is_not_echoed(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('secret_token = ""', "secret_token = 98765432123"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.setting == "telegram.secret_token"
    assert "98765432123" not in str(caught.value)


def test_an_unquoted_token_is_not_echoed(tmp_path: Path) -> None:
    path = write_config(tmp_path, ('\ntoken = ""', f"\ntoken = {TOKEN}"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert "malformed TOML" in caught.value.problem
    _assert_no_secret(str(caught.value))


def test_secrets_stay_out_of_logs_and_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(SIGNING_KEYS_ENV, ENV_KEYS)
    caplog.set_level(logging.DEBUG)
    assert run_cli(monkeypatch, "-v", "check-config", str(write_config(tmp_path))) == 0
    out, err = capsys.readouterr()
    _assert_no_secret(out + err + caplog.text)
    # httpx logs every request URL, and Bot API URLs contain the token.
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


# --- where the file is found --------------------------------------------------------------


def test_resolve_config_path_order() -> None:
    env = {CONFIG_ENV: "/etc/ferryman/from-env.toml"}
    assert resolve_config_path("given.toml", env) == Path("given.toml")
    assert resolve_config_path(None, env) == Path("/etc/ferryman/from-env.toml")
    assert resolve_config_path(None, {}) == Path("config.toml")
    assert resolve_config_path(None, {CONFIG_ENV: ""}) == Path("config.toml")


def test_parse_settings_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    settings: Settings = parse_settings({}, "<memory>")
    assert settings.telegram.token.reveal() == TOKEN


def test_proxy_and_pending_updates_settings(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        ('proxy = ""', 'proxy = "socks5://ferry:pr0xy-passw0rd@127.0.0.1:1080"'),
        ("drop_pending_updates = false", "drop_pending_updates = true"),
    )
    settings = load_settings(path, env={})
    assert settings.telegram.proxy.reveal() == "socks5://ferry:pr0xy-passw0rd@127.0.0.1:1080"
    assert settings.telegram.drop_pending_updates is True
    assert "pr0xy-passw0rd" not in repr(settings)


@pytest.mark.parametrize("proxy", ["ftp://ferry:pr0xy-passw0rd@host:21", "pr0xy-passw0rd:1080"])
def test_a_bad_proxy_is_named_but_not_echoed(tmp_path: Path, proxy: str) -> None:
    path = write_config(tmp_path, ('proxy = ""', f'proxy = "{proxy}"'))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.setting == "telegram.proxy"
    assert "socks5://user:password@host:port" in caught.value.problem
    assert "pr0xy-passw0rd" not in str(caught.value)


def test_every_checklist_item_settings_accept_has_a_prompt() -> None:
    from bot.domain.proof_items import ProofItem
    from handlers.proof_prompts import CHECKLIST_LABELS

    assert set(CHECKLIST_LABELS) == {item.value for item in ProofItem}
