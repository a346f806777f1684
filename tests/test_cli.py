"""The ``ferryman`` command: where it finds its settings, migrate, and run without a token."""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import app as app_module
from bot import cli
from bot.config import CONFIG_ENV, SIGNING_KEYS_ENV, TOKEN_ENV
from storage.migrations import LATEST_VERSION

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (TOKEN_ENV, SIGNING_KEYS_ENV, CONFIG_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def never_reach_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a test got as far as polling, fail at once instead of trying the network."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the bot must not start here")

    monkeypatch.setattr(Application, "run_polling", refuse)
    monkeypatch.setattr(Application, "run_webhook", refuse)
    monkeypatch.setattr(app_module, "serve", refuse)


def run_cli(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    # main() registers optional subcommands into a module list on every call; start clean.
    monkeypatch.setattr(cli, "_EXTRA_COMMANDS", [])
    return cli.main(list(argv))


TOKEN = "123456:ABCDEF-this-is-a-token"
OWN_KEY = "our-own-signing-key-0123456789"


def make_config(
    folder: Path, *, name: str = "config.toml", company: str = "Test Co", token: str = TOKEN
) -> Path:
    """A copy of the example, made ready to run: a token, our own signing key, the database
    next to the file (relative path)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace("Horgos Auto Export", company)
        .replace(cli.EXAMPLE_SIGNING_KEY, OWN_KEY)
        .replace('\ntoken = ""', f'\ntoken = "{token}"')
    )
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- where the settings come from ---------------------------------------------------------


def test_positional_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path, company="Positional Co")
    assert run_cli(monkeypatch, "check-config", str(path)) == 0
    assert "Positional Co" in capsys.readouterr().out


def test_config_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path, company="Option Co")
    assert run_cli(monkeypatch, "--config", str(path), "check-config") == 0
    assert "Option Co" in capsys.readouterr().out


def test_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(make_config(tmp_path, company="Env Co")))
    assert run_cli(monkeypatch, "check-config") == 0
    assert "Env Co" in capsys.readouterr().out


def test_default_is_config_toml_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_config(tmp_path, company="Default Co")
    monkeypatch.chdir(tmp_path)
    assert run_cli(monkeypatch, "check-config") == 0
    assert "Default Co" in capsys.readouterr().out


def test_option_beats_environment_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_config(tmp_path, company="Default Co")
    env_path = make_config(tmp_path / "env", company="Env Co")
    option_path = make_config(tmp_path / "option", company="Option Co")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONFIG_ENV, str(env_path))
    assert run_cli(monkeypatch, "--config", str(option_path), "check-config") == 0
    assert "Option Co" in capsys.readouterr().out
    assert run_cli(monkeypatch, "check-config") == 0
    assert "Env Co" in capsys.readouterr().out
    monkeypatch.delenv(CONFIG_ENV)
    assert run_cli(monkeypatch, "check-config") == 0
    assert "Default Co" in capsys.readouterr().out


def test_no_settings_file_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(monkeypatch, "check-config") == 2
    err = capsys.readouterr().err
    assert "config.toml" in err
    assert "file not found" in err


def test_environment_points_at_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "gone.toml"
    monkeypatch.setenv(CONFIG_ENV, str(missing))
    assert run_cli(monkeypatch, "migrate") == 2
    assert str(missing) in capsys.readouterr().err


def test_config_option_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path, company="After Co")
    assert run_cli(monkeypatch, "check-config", "--config", str(path)) == 0
    assert "After Co" in capsys.readouterr().out
    # Both places at once: the one after the command is nearer, and wins.
    other = make_config(tmp_path / "other", company="Nearer Co")
    assert run_cli(monkeypatch, "--config", str(path), "check-config", "--config", str(other)) == 0
    assert "Nearer Co" in capsys.readouterr().out


def test_migrate_with_config_after_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    assert run_cli(monkeypatch, "migrate", "--config", str(path), "-v") == 0
    assert "applied migrations" in capsys.readouterr().out
    assert (tmp_path / "ferryman.sqlite3").exists()


def test_every_command_describes_itself_with_an_example(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_EXTRA_COMMANDS", [])
    cli._load_extra_commands()
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"check-config", "migrate", "run"} <= set(sub.choices)
    for name, command in sub.choices.items():
        text = command.format_help()
        assert command.description, f"{name} has no description"
        assert "example:" in text and f"ferryman {name}" in text, f"{name} has no example"
        assert "--config" in text, name
    top = parser.format_help()
    assert "exit codes: 0 done, 2 bad settings or arguments, 1 anything else" in top


def test_unexpected_failure_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    (tmp_path / "ferryman.sqlite3").write_bytes(b"not a database, but some text" * 100)
    assert run_cli(monkeypatch, "--config", str(path), "migrate") == 1
    err = capsys.readouterr().err
    assert err.startswith("ferryman: error: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unknown_command_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(monkeypatch, "fly")
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# --- migrate ------------------------------------------------------------------------------


def _schema_version(database: Path) -> int:
    with closing(sqlite3.connect(database)) as conn:
        return int(conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0])


def test_migrate_creates_then_reports_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path / "site")
    database = tmp_path / "site" / "ferryman.sqlite3"  # relative to the settings file
    assert run_cli(monkeypatch, "--config", str(path), "migrate") == 0
    out = capsys.readouterr().out
    assert f"applied migrations {list(range(1, LATEST_VERSION + 1))}" in out
    assert _schema_version(database) == LATEST_VERSION

    assert run_cli(monkeypatch, "--config", str(path), "migrate") == 0
    assert f"up to date (version {LATEST_VERSION})" in capsys.readouterr().out


def test_migrate_refuses_a_newer_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    assert run_cli(monkeypatch, "--config", str(path), "migrate") == 0
    capsys.readouterr()
    database = tmp_path / "ferryman.sqlite3"
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, 'from the future')",
            (LATEST_VERSION + 5,),
        )

    assert run_cli(monkeypatch, "--config", str(path), "migrate") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"version {LATEST_VERSION + 5}" in err
    assert "upgrade Ferryman" in err
    assert "Traceback" not in err
    assert _schema_version(database) == LATEST_VERSION + 5  # untouched


# --- run ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_run_without_a_token_says_how_to_set_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    path = make_config(tmp_path, token="")
    if mode == "webhook":
        text = path.read_text(encoding="utf-8")
        text = text.replace('mode = "polling"', 'mode = "webhook"').replace(
            'webhook_url = ""', 'webhook_url = "https://bot.example.com/hook"'
        )
        path.write_text(text, encoding="utf-8")
    assert run_cli(monkeypatch, "--config", str(path), "run") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "no bot token" in err
    assert TOKEN_ENV in err
    assert "[telegram] token" in err
    assert str(path) in err
    assert "@BotFather" in err
    # Nothing was started or created on the way to the refusal.
    assert not (tmp_path / "ferryman.sqlite3").exists()


def test_run_with_a_bad_config_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("Asia/Shanghai", "Asia/Horgos"))
    monkeypatch.setenv(TOKEN_ENV, "123456:ABCDEF-this-is-a-token")
    assert run_cli(monkeypatch, "--config", str(path), "run") == 2
    err = capsys.readouterr().err
    assert "company.timezone" in err
    assert "ABCDEF-this-is-a-token" not in err


# --- check-config checks what run checks -------------------------------------------------


def test_check_config_refuses_the_public_example_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(OWN_KEY, cli.EXAMPLE_SIGNING_KEY))
    assert run_cli(monkeypatch, "check-config", str(path)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "'clearance.keys'" in err and "example signing key is public" in err
    assert cli.EXAMPLE_SIGNING_KEY not in err


def test_check_config_refuses_a_missing_token_like_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path, token="")
    assert run_cli(monkeypatch, "check-config", str(path)) == 2
    assert "no bot token" in capsys.readouterr().err
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert run_cli(monkeypatch, "check-config", str(path)) == 0


def test_check_config_says_what_it_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path, company="Checked Co")
    assert run_cli(monkeypatch, "check-config", str(path)) == 0
    out = capsys.readouterr().out
    assert f"{path}: OK" in out
    for fact in (
        "every section and key is known",
        "mode polling, bot token set",
        "Checked Co, Asia/Shanghai, 0 owner(s)",
        "1 signing key(s), active 'k1', none of them the public example",
        "checklist vin_plate, dashboard, car_at_lot",
        "places: 4",
        "no owners yet",
    ):
        assert fact in out
    assert TOKEN not in out and OWN_KEY not in out


@pytest.mark.parametrize(
    ("old", "new", "setting", "hint"),
    [
        ('timezone = "Asia/Shanghai"', 'timezon = "Asia/Shanghai"', "company.timezon", "timezone"),
        ("[company]", "[compnay]", "compnay", "company"),
        ('mode = "polling"', 'mdoe = "polling"', "telegram.mdoe", "mode"),
        ("geofence_radius_m = 1000", "geofence_radius = 1000", "delivery.geofence_radius", ""),
        ('kind = "yard"', 'kind = "yrad"', "places[0].kind", "yard"),
        ('address = "Almaty, Kazakhstan"', 'adress = "x"', "places[3].adress", "address"),
        ('"car_at_lot"]', '"car_at_lott"]', "delivery.photo_checklist", "car_at_lot"),
    ],
    ids=["key", "section", "telegram-key", "no-close-match", "place-kind", "place-key", "item"],
)
def test_typos_are_refused_with_a_suggestion(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    setting: str,
    hint: str,
) -> None:
    path = make_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    for argv in (["check-config", str(path)], ["run", "--config", str(path)]):
        assert run_cli(monkeypatch, *argv) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert f"setting '{setting}'" in err
        if hint:
            assert f"did you mean '{hint}'?" in err


def test_a_key_in_the_wrong_section_points_at_the_right_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text("owners = [1]\n" + text, encoding="utf-8")
    assert run_cli(monkeypatch, "check-config", str(path)) == 2
    err = capsys.readouterr().err
    assert "setting 'owners': unknown setting; did you mean 'company.owners'?" in err


def test_webhook_mode_without_a_secret_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace('mode = "polling"', 'mode = "webhook"').replace(
        'webhook_url = ""', 'webhook_url = "https://bot.example.com/hook"'
    )
    path.write_text(text, encoding="utf-8")
    for command in ("check-config", "run"):
        assert run_cli(monkeypatch, "--config", str(path), command) == 2
        err = capsys.readouterr().err
        assert "'telegram.secret_token'" in err and "webhook mode needs a secret" in err
    path.write_text(text.replace('secret_token = ""', 'secret_token = "s3cret-hook-value"'))
    assert run_cli(monkeypatch, "--config", str(path), "check-config") == 0
    out = capsys.readouterr().out
    assert "webhook https://bot.example.com/hook with a secret" in out
    assert "s3cret-hook-value" not in out
