"""Ferryman: the dispatch bot for the self-drive export drivers of the Horgos land port."""

# Exit codes (README "Exit codes"): 0 done, 2 bad settings or arguments (argparse uses 2 as
# well), 1 anything else (the reason is one line on stderr; -v adds the traceback).

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.backup import BackupError
from bot.config import ConfigError, Settings, load_settings, resolve_config_path
from bot.domain.zones import StaleZoneData, check_zone_data
from bot.logs import setup_logging

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2
# The placeholder in config.example.toml: fine for a demo, never for signing real codes.
EXAMPLE_SIGNING_KEY = "change-me-to-a-long-random-secret"


def _load(args: argparse.Namespace, positional: str | None = None) -> Settings:
    return load_settings(resolve_config_path(positional or args.config))


def _zone_data_refused() -> bool:
    """True (after saying why) when the zone data would date Kazakhstan days wrongly."""
    try:
        check_zone_data()
    except StaleZoneData as exc:
        print(f"ferryman: {exc}", file=sys.stderr)
        return True
    return False


def refuse_to_run(settings: Settings) -> None:
    """The checks `run` makes beyond reading the file; `check-config` makes the same ones."""
    from bot.config import TOKEN_ENV

    source = settings.source
    if not settings.telegram.token:
        raise ConfigError(
            source,
            "telegram.token",
            f"no bot token: set {TOKEN_ENV} in the environment or [telegram] token in "
            f"{source} (get one from @BotFather)",
        )
    if any(key.reveal() == EXAMPLE_SIGNING_KEY for key in settings.clearance.keys.values()):
        raise ConfigError(
            source,
            "clearance.keys",
            "the example signing key is public; set your own "
            "(FERRYMAN_SIGNING_KEYS or [clearance] keys)",
        )
    if settings.telegram.mode == "webhook" and not settings.telegram.secret_token:
        raise ConfigError(
            source,
            "telegram.secret_token",
            "webhook mode needs a secret: without it anyone who learns the URL can post "
            "updates as any user (1-256 characters of A-Za-z0-9_-)",
        )


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _load(args, args.path)
    if _zone_data_refused():
        return EXIT_CONFIG
    refuse_to_run(settings)
    t = settings.telegram
    company = settings.company
    keys = settings.clearance.keys
    checked = [
        "every section and key is known (no typos)",
        "time zone data is current (Asia/Almaty on UTC+5)",
        f"telegram: mode {t.mode}, bot token set"
        + (f", webhook {t.webhook_url} with a secret" if t.mode == "webhook" else "")
        + (", through a proxy" if t.proxy else ""),
        f"company: {company.name}, {company.timezone.key}, {len(company.owners)} owner(s)"
        + ("" if company.group_chat_id else ", no dispatch group"),
        f"clearance: {len(keys)} signing key(s), active {settings.clearance.active_key_id!r}, "
        "none of them the public example"
        if keys
        else "clearance: no signing keys (imported codes only)",
        f"delivery: checklist {', '.join(settings.delivery.photo_checklist)}",
        f"places: {len(settings.places)}",
        f"storage: database {settings.storage.database}, media {settings.storage.media_dir}",
    ]
    print(f"{settings.source}: OK")
    for line in checked:
        print(f"  - {line}")
    if not company.owners:
        print(
            "  note: no owners yet, so nobody can use the admin commands; send /whoami to "
            "the bot to learn your Telegram id for [company] owners"
        )
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.migrations import LATEST_VERSION, current_version, migrate

    settings = _load(args)

    async def go() -> list[int]:
        db = await Database.open(settings.storage.database, run_migrations=False)
        try:
            applied = await migrate(db.conn)
            assert await current_version(db.conn) == LATEST_VERSION
            return applied
        finally:
            await db.close()

    applied = asyncio.run(go())
    if applied:
        print(f"{settings.storage.database}: applied migrations {applied}")
    else:
        print(f"{settings.storage.database}: up to date (version {LATEST_VERSION})")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from bot.health import offline_report

    settings = _load(args)
    report = asyncio.run(offline_report(settings.storage.database))
    if args.json:
        import json

        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.as_text())
    return EXIT_OK if report.healthy else EXIT_FAILURE


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.backup import create_backup

    settings = _load(args)
    destination = Path(args.path) if args.path else settings.backup.folder
    result = create_backup(settings.storage.database, settings.storage.media_dir, destination)
    print(
        f"{result.archive}: database (schema version {result.schema_version}) and "
        f"{result.media_files} media files, {result.size_bytes:,} bytes"
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.backup import restore_backup

    settings = _load(args)
    result = restore_backup(
        Path(args.archive), settings.storage.database, settings.storage.media_dir
    )
    print(
        f"{result.database}: restored from {args.archive} (schema version "
        f"{result.schema_version}), {result.media_files} media files into "
        f"{settings.storage.media_dir}"
    )
    if result.kept_previous is not None:
        print(f"the database it replaced is kept as {result.kept_previous}")
    return EXIT_OK


def _secrets(settings: Settings) -> list[str]:
    keys = [key.reveal() for key in settings.clearance.keys.values()]
    t = settings.telegram
    from urllib.parse import urlsplit

    # The proxy's password alone may turn up in a connection error.
    proxy_password = urlsplit(t.proxy.reveal()).password or ""
    return [t.token.reveal(), t.secret_token.reveal(), t.proxy.reveal(), proxy_password, *keys]


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import MissingToken, run
    from bot.logsafety import install_redaction

    settings = _load(args)
    setup_logging(verbose=args.verbose, fmt=settings.logging.format)
    install_redaction(_secrets(settings))
    if _zone_data_refused():
        return EXIT_CONFIG
    refuse_to_run(settings)
    from telegram.error import InvalidToken

    try:
        run(settings)
    except MissingToken as exc:
        print(f"ferryman: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except InvalidToken:
        # Telegram answers 401 for a revoked token and 404 for a wrong base URL; PTB's own
        # message quotes the token, so say it in our words (the masking is the second guard).
        print(
            f"ferryman: {settings.source}: the bot token was refused by "
            f"{settings.telegram.api_base_url} (revoked, mistyped, or the wrong "
            "api_base_url): check FERRYMAN_BOT_TOKEN or [telegram] token and api_base_url",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return EXIT_OK


# One example per subcommand, shown at the end of its --help. A module registering a command
# may pass its own epilog instead.
EXAMPLES = {
    "check-config": "ferryman check-config /etc/ferryman/config.toml",
    "migrate": "ferryman migrate --config /etc/ferryman/config.toml",
    "run": "FERRYMAN_BOT_TOKEN=123456:ABC... ferryman run --config /etc/ferryman/config.toml",
    "health": "ferryman health --config /etc/ferryman/config.toml || systemctl restart ferryman",
    "backup": "ferryman backup /var/backups/ferryman --config /etc/ferryman/config.toml",
    "restore": "ferryman restore /var/backups/ferryman/ferryman-backup-2026-05-04T030000Z.tar.gz",
    "emulator": "ferryman emulator --port 8081",
    "qrsheet": "ferryman qrsheet --date 2026-05-04 --out qr-sheet.pdf",
    "demo": "ferryman demo --out demo-output",
}

EPILOG = """exit codes: 0 done, 2 bad settings or arguments, 1 anything else

example:
  ferryman run --config /etc/ferryman/config.toml
  ferryman <command> --help"""

_CONFIG_HELP = "settings file (default: $FERRYMAN_CONFIG, else ./config.toml)"


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On a subcommand the defaults are SUPPRESS, so `ferryman --config X run` keeps X.
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--config", default=default, help=_CONFIG_HELP)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="debug logging, and tracebacks for unexpected errors",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ferryman",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>")

    check = sub.add_parser(
        "check-config",
        help="check a settings file as strictly as run does, and say what was checked",
    )
    check.add_argument("path", nargs="?", help="settings file to check (same as --config)")
    check.set_defaults(func=cmd_check_config)

    sub.add_parser(
        "migrate", help="create or upgrade the database (run also does this at start)"
    ).set_defaults(func=cmd_migrate)
    run_help = "run the bot (polling or webhook, as the settings say)"
    sub.add_parser("run", help=run_help).set_defaults(func=cmd_run)
    health = sub.add_parser(
        "health",
        help="is the bot well? database, schema, next jobs, outbox, last Bot API answer "
        "(exit 1 if not)",
    )
    health.add_argument("--json", action="store_true", help="the report as JSON")
    health.set_defaults(func=cmd_health)
    backup = sub.add_parser(
        "backup",
        help="archive the live database and the media folder (safe while the bot runs)",
    )
    backup.add_argument(
        "path",
        nargs="?",
        help="folder for the dated archive, or a .tar.gz (default [backup] folder)",
    )
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore", help="put a backup archive back (refused while a bot holds the database)"
    )
    restore.add_argument("archive", help="a ferryman-backup-*.tar.gz")
    restore.set_defaults(func=cmd_restore)
    for register in _EXTRA_COMMANDS:
        register(sub)
    _describe(sub)
    return parser


def _describe(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Give every subcommand its one-line description, an example and the common options."""
    helps = {action.dest: action.help or "" for action in sub._choices_actions}
    for name, command in sub.choices.items():
        command.formatter_class = argparse.RawDescriptionHelpFormatter
        if not command.description:
            command.description = helps.get(name, "")
        if not command.epilog and name in EXAMPLES:
            command.epilog = f"example:\n  {EXAMPLES[name]}"
        _common_options(command, top=False)


# Other modules add subcommands (emulator, demo, qrsheet) without this file knowing them.
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


def _load_extra_commands() -> None:
    import importlib

    if _EXTRA_COMMANDS:
        return  # main() may run more than once in a process (tests)

    for module in (
        "botapi_emulator.cli",
        "bot.clearance.cli",
        "bot.demo.cli",
        "bot.services.manifest_cli",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        _EXTRA_COMMANDS.append(mod.register)


def main(argv: Sequence[str] | None = None) -> int:
    _load_extra_commands()
    args = build_parser().parse_args(argv)
    setup_logging(verbose=args.verbose)  # text until the settings name the format
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(f"ferryman: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK
    except BackupError as exc:
        print(f"ferryman: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:
        from storage.migrations import SchemaTooNew

        if isinstance(exc, SchemaTooNew):
            print(f"ferryman: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        _report_unexpected(exc, verbose=args.verbose)
        return EXIT_FAILURE
    return result


def _report_unexpected(exc: Exception, *, verbose: bool) -> None:
    """One line (a traceback with -v), passed through the same masking as the logs."""
    import traceback

    from bot.logsafety import redact_text

    if verbose:
        text = "".join(traceback.format_exception(exc)).rstrip()
    else:
        text = f"ferryman: error: {type(exc).__name__}: {exc}"
    print(redact_text(text), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
