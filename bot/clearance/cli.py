"""``ferryman qrsheet --date YYYY-MM-DD --out FILE.pdf``: the day's printable QR sheet."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings, load_settings, resolve_config_path


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {raw!r}") from None


async def build_sheet(settings: Settings, day: date) -> tuple[bytes, int, int]:
    """The sheet from the database: (PDF, codes, pages)."""
    from bot.clearance.messages import sheet_labels
    from bot.clearance.printing import build_day_sheet
    from bot.clearance.service import ClearanceService
    from bot.i18n import Translator
    from storage.db import Database
    from storage.repositories import Repositories

    db = await Database.open(settings.storage.database)
    service = ClearanceService(settings.clearance, timezone=settings.company.timezone)
    try:
        repos = Repositories.build(db)
        translator = Translator.load(settings.company.default_language)
        labels = sheet_labels(translator, settings.company.default_language, day.isoformat())
        sheet = await build_day_sheet(
            repos, service, day, labels, settings.company.default_language
        )
    finally:
        await service.close()
        await db.close()
    return sheet.pdf, sheet.codes, sheet.pages


def cmd_qrsheet(args: argparse.Namespace) -> int:
    from bot.clearance.token import SigningUnavailable

    settings = load_settings(resolve_config_path(args.config))
    day = args.date or datetime.now(UTC).astimezone(settings.company.timezone).date()
    out = Path(args.out) if args.out else Path(f"qr-sheet-{day.isoformat()}.pdf")
    try:
        pdf, codes, pages = asyncio.run(build_sheet(settings, day))
    except SigningUnavailable as exc:
        print(f"ferryman: {exc}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"{out}: {codes} codes for {day.isoformat()} on {pages} A4 pages")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("qrsheet", help="write the day's clearance QR codes as a PDF")
    parser.add_argument(
        "--date", type=_day, help="service date YYYY-MM-DD (default: today, company time)"
    )
    parser.add_argument("--out", help="PDF file to write (default: qr-sheet-DATE.pdf)")
    parser.set_defaults(func=cmd_qrsheet)
