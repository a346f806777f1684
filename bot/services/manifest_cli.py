"""``ferryman import FILE [--dry-run]`` and ``ferryman export``: the admin commands, scripted.

Companies that export manifests from their own systems run the same checks as the chat
``/import`` and read the same messages (in English here).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

EXIT_REFUSED = 1


def _english(msgid: str, **values: object) -> str:
    return msgid.format(**values)


def cmd_import(args: argparse.Namespace) -> int:
    from bot.clearance import ClearanceService
    from bot.cli import _load
    from bot.clock import SystemClock
    from bot.services.manifest import ManifestRefused, problem_lines
    from bot.services.manifest_import import BookedMeanwhile, check_file, store
    from storage.db import Database
    from storage.repositories import Repositories

    settings = _load(args)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"ferryman: {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_REFUSED

    async def go() -> int:
        db = await Database.open(settings.storage.database)
        clearance = ClearanceService(settings.clearance, timezone=settings.company.timezone)
        try:
            repos = Repositories.build(db)
            await repos.places.sync(settings.places)
            now = SystemClock().now()
            try:
                validation = await check_file(
                    repos, data, path.name, settings.company.timezone, now
                )
            except ManifestRefused as refused:
                print(f"{path}: {refused.reason.text()}", file=sys.stderr)
                return EXIT_REFUSED
            if validation.problems:
                print(
                    f"{path}: {len(validation.problems)} of "
                    f"{len(validation.problems) + len(validation.rows)} rows have problems; "
                    "nothing was imported:",
                    file=sys.stderr,
                )
                for line in problem_lines(validation.problems, _english):
                    print(f"  {line}", file=sys.stderr)
                return EXIT_REFUSED
            days = ", ".join(d.isoformat() for d in validation.days)
            summary = f"{len(validation.rows)} trips, {validation.drivers} drivers, days {days}"
            if args.dry_run:
                print(f"{path}: OK, {summary} (dry run: nothing stored)")
                return 0
            try:
                imported = await store(
                    repos, clearance, validation.rows, now=now, actor=None, source=path.name
                )
            except BookedMeanwhile as clash:
                for line in problem_lines(clash.problems, _english):
                    print(f"  {line}", file=sys.stderr)
                return EXIT_REFUSED
            ids = imported.assignment_ids
            print(f"{path}: imported {summary} (trips #{ids[0]}–#{ids[-1]})")
            return 0
        finally:
            await clearance.close()
            await db.close()

    return asyncio.run(go())


def cmd_export(args: argparse.Namespace) -> int:
    from bot.cli import _load
    from bot.services.export import export_files

    settings = _load(args)
    start = date.fromisoformat(args.date_from)
    end = date.fromisoformat(args.date_to) if args.date_to else start
    if end < start:
        print("ferryman: --to is before --from", file=sys.stderr)
        return EXIT_REFUSED
    out = Path(args.out)
    written = asyncio.run(
        export_files(settings.storage.database, start, end, settings.company.timezone, out)
    )
    for path, rows in written:
        print(f"{path}: {rows} trips")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = sub.add_parser(
        "import",
        help="import a manifest (CSV or XLSX): every row checked, all or nothing",
        epilog="example:\n  ferryman import manifest-2026-12-01.xlsx --dry-run",
    )
    importer.add_argument("file", help="the manifest file")
    importer.add_argument(
        "--dry-run", action="store_true", help="check every row and report, store nothing"
    )
    importer.set_defaults(func=cmd_import)

    exporter = sub.add_parser(
        "export",
        help="write the trips of some days as CSV and XLSX, with every event time",
        epilog="example:\n  ferryman export --from 2026-12-01 --to 2026-12-07 --out week49",
    )
    exporter.add_argument("--from", dest="date_from", required=True, help="first day YYYY-MM-DD")
    exporter.add_argument("--to", dest="date_to", help="last day YYYY-MM-DD (default: --from)")
    exporter.add_argument(
        "--out", required=True, help="file name without or with .csv/.xlsx; both are written"
    )
    exporter.set_defaults(func=cmd_export)
