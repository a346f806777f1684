"""Ferryman: the dispatch bot for the self-drive export drivers of the Horgos land port."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from bot.config import ConfigError, Settings, load_settings, resolve_config_path
from bot.domain.zones import StaleZoneData, check_zone_data

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


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _load(args, args.path)
    if _zone_data_refused():
        return EXIT_CONFIG
    print(
        f"{settings.source}: OK ({settings.company.name}, {settings.company.timezone.key}, "
        f"{len(settings.places)} places, mode {settings.telegram.mode})"
    )
    return 0


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


def _secrets(settings: Settings) -> list[str]:
    keys = [key.reveal() for key in settings.clearance.keys.values()]
    return [settings.telegram.token.reveal(), settings.telegram.secret_token.reveal(), *keys]


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import MissingToken, run
    from bot.logsafety import install_redaction

    settings = _load(args)
    install_redaction(_secrets(settings))
    if _zone_data_refused():
        return EXIT_CONFIG
    if settings.telegram.token and any(
        key.reveal() == EXAMPLE_SIGNING_KEY for key in settings.clearance.keys.values()
    ):
        print(
            f"ferryman: {settings.source}: setting 'clearance.keys': the example signing key "
            "is public; set your own (FERRYMAN_SIGNING_KEYS or [clearance] keys)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        run(settings)
    except MissingToken as exc:
        print(f"ferryman: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ferryman", description=__doc__)
    parser.add_argument(
        "--config", help="settings file (default: $FERRYMAN_CONFIG, else ./config.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check-config", help="validate a settings file")
    check.add_argument("path", nargs="?", help="settings file to check")
    check.set_defaults(func=cmd_check_config)

    sub.add_parser("migrate", help="create or upgrade the database").set_defaults(func=cmd_migrate)
    sub.add_parser("run", help="run the bot (polling or webhook)").set_defaults(func=cmd_run)
    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Other modules add subcommands (emulator, demo, qrsheet) without this file knowing them.
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


def _load_extra_commands() -> None:
    import importlib

    if _EXTRA_COMMANDS:
        return  # main() may run more than once in a process (tests)

    for module in ("botapi_emulator.cli", "bot.clearance.cli", "bot.demo.cli"):
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
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(f"ferryman: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:
        from storage.migrations import SchemaTooNew

        if isinstance(exc, SchemaTooNew):
            print(f"ferryman: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        raise
    return result


if __name__ == "__main__":
    sys.exit(main())
