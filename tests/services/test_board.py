"""The board of a day: counts, late trips, flagged deliveries and why trips are not sent."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from bot.clearance import ClearanceService
from bot.domain.lifecycle import Status
from bot.domain.models import DriverStatus
from bot.domain.zones import zone
from bot.i18n import Translator
from bot.services.board import (
    Undispatched,
    board_picture,
    board_png,
    board_text,
    late_text,
    load_board,
)
from storage.repositories import Repositories
from tests.services.helpers import NOW, SERVICE_DATE, VIN, VIN_2, add_driver, add_trip
from tests.services.manifest_helpers import make_vin

TZ = zone("Asia/Shanghai")
ZH = Translator.load("zh")


def english(msgid: str, **values: object) -> str:
    return msgid.format(**values)


async def test_the_board_says_what_needs_someone(
    repos: Repositories, clearance: ClearanceService
) -> None:
    pan = await add_driver(repos, 501)
    sent = await add_trip(repos, clearance, pan, vin=VIN)  # pickup at NOW
    await repos.assignments.set_status(sent.assignment, Status.SENT, NOW)
    await add_trip(repos, clearance, None, vin=VIN_2)  # nobody to drive it
    gone = await add_driver(repos, 502)
    await repos.drivers.set_status(gone.id, DriverStatus.SUSPENDED)
    await add_trip(repos, clearance, gone, vin=make_vin(3))

    board = await load_board(repos, SERVICE_DATE, NOW + timedelta(minutes=30))
    assert board.counts[Status.SENT] == 1 and board.counts[Status.PLANNED] == 2
    assert [t.id for t in board.late] == [t.id for t in board.trips]  # all past pickup
    assert [t.undispatched for t in board.undispatched] == [
        Undispatched.NO_DRIVER,
        Undispatched.SUSPENDED,
    ]
    text = board_text(board, TZ, english)
    assert text.startswith(f"📋 Board for {SERVICE_DATE}: 3 trips")
    assert "planned 2 · sent 1" in text
    assert "pickup was due 08:30 (UTC+8)" in text
    assert "no driver" in text and "driver suspended" in text
    assert "Updated 2026-11-30 09:00 (UTC+8)" in text
    assert late_text(board, TZ, english).startswith("⏰ Late (3):")

    # A Chinese admin reads the places by their Chinese names and the zone in full-width
    # brackets, the Chinese punctuation around it.
    zh_board = await load_board(repos, SERVICE_DATE, NOW + timedelta(minutes=30), language="zh")
    chinese = board_text(zh_board, TZ, lambda msgid, **v: ZH.get("zh", msgid, **v), "zh")
    assert "交车场 · " in chinese and "delivery lot" not in chinese
    assert "（UTC+8）" in chinese and "(UTC" not in chinese

    early = await load_board(repos, SERVICE_DATE, NOW - timedelta(hours=1))
    assert not early.late and "Nobody is late" in late_text(early, TZ, english)


async def test_the_picture_is_a_png_a_phone_shows_full_width(
    repos: Repositories, clearance: ClearanceService
) -> None:
    pan = await add_driver(repos, 501)
    await add_trip(repos, clearance, pan)
    board = await load_board(repos, SERVICE_DATE, NOW)
    picture = board_picture(board, TZ, english)
    assert picture.summary == "planned 1 · pickup times UTC+8"  # the column's times are bare
    png = await board_png(picture)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width == 1080
        # The trip's row is coloured by its status (planned: light grey).
        assert (224, 224, 224) in {c for _, c in image.convert("RGB").getcolors(1 << 16) or []}


async def test_an_empty_day_says_so(repos: Repositories) -> None:
    board = await load_board(repos, SERVICE_DATE, NOW)
    assert board_text(board, TZ, english) == f"No trips on {SERVICE_DATE}."


async def test_the_board_names_the_lot_in_the_readers_language(
    repos: Repositories, clearance: ClearanceService
) -> None:
    pan = await add_driver(repos, 501)
    await add_trip(repos, clearance, pan, vin=VIN)
    names = {}
    for language in ("ru", "zh", "kk", "en", None):
        board = await load_board(repos, SERVICE_DATE, NOW, language=language)
        names[language] = board.trips[0].destination
    # config.example.toml names the lot in zh, ru and kk; English falls back to `name`.
    assert names == {
        "ru": "Площадка выдачи в Жаркенте",
        "zh": "扎尔肯特交车场",
        "kk": "Жаркент жеткізу алаңы",
        "en": "Zharkent delivery lot",
        None: "Zharkent delivery lot",
    }
