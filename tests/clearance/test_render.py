"""Rendered images scan: as rendered, and after Telegram's scaling and JPEG recompression."""

from __future__ import annotations

import io
import random
import string

import pytest
from PIL import Image

from bot.clearance.codes import IMPORTED_MAX_LENGTH
from bot.clearance.decode import decode_qr
from bot.clearance.render import QUIET_ZONE, qr_matrix, render_many, render_png, symbol_image
from bot.clearance.token import sign, verify
from tests.clearance.helpers import (
    EXPIRES,
    NOW,
    SERVICE_DATE,
    decode,
    keyring,
    telegram_photo,
    vin,
)

IMPORTED = [
    "KZ0000123",
    "CN-HORGOS/2026-11-30/000981 ✓",
    "海关-通关码-0042",
    "".join(random.Random(5).choices(string.printable[:94], k=IMPORTED_MAX_LENGTH)),
]


def _generated(count: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        v = vin(rng.randrange(10_000_000))
        out.append((sign(keyring(), rng.randrange(1, 10**7), v, SERVICE_DATE, EXPIRES), v))
    return out


def test_the_image_is_a_png_with_the_symbol_on_top_and_a_label_below() -> None:
    code, v = _generated(1)[0]
    image = Image.open(io.BytesIO(render_png(code, v, SERVICE_DATE)))
    assert image.format == "PNG"
    assert image.height > image.width >= 450
    assert max(image.size) <= 1280  # Telegram will not scale it down
    symbol = symbol_image(code)
    module = symbol.width // (len(qr_matrix(code)) + 2 * QUIET_ZONE)
    assert module >= 8  # large modules survive recompression and a shaky camera
    # The quiet zone is white all round; the label starts only below it.
    band = QUIET_ZONE * module
    pixels = image.convert("L")
    for box in (
        (0, 0, image.width, band),
        (0, 0, band, image.width),
        (image.width - band, 0, image.width, image.width),
        (0, image.width - band, image.width, image.width),
    ):
        assert pixels.crop(box).getextrema() == (255, 255), box
    # Something (the VIN and date) is drawn under the symbol.
    darkest = pixels.crop((0, image.width, image.width, image.height)).getextrema()[0]
    assert isinstance(darkest, int) and darkest < 128


def test_a_token_stays_in_the_compact_alphanumeric_mode() -> None:
    code, _ = _generated(1)[0]
    assert len(qr_matrix(code)) <= 37  # version 5 (a byte-mode token would need version 7)


@pytest.mark.parametrize(("longest", "quality"), [(1280, 80), (1280, 60), (640, 70)])
def test_generated_codes_round_trip_through_telegram(longest: int, quality: int) -> None:
    for code, v in _generated(12, seed=longest + quality):
        png = render_png(code, v, SERVICE_DATE)
        assert decode(png) == [code]
        photo = telegram_photo(png, longest, quality)
        (decoded,) = decode(photo)
        assert decoded == code
        assert verify(keyring(), decoded, NOW).ok


@pytest.mark.parametrize("code", IMPORTED)
def test_imported_codes_round_trip_verbatim(code: str) -> None:
    png = render_png(code, vin(7), SERVICE_DATE)
    assert decode(png) == [code]
    assert decode(telegram_photo(png)) == [code]
    assert decode_qr(telegram_photo(png, 1280, 70)) == [code]


def test_many_codes_scan_with_the_fixed_mask() -> None:
    """The fixed mask is the speed trick; this is the evidence that it costs no scans."""
    batch = _generated(60, seed=99)
    pngs = render_many([(code, v, SERVICE_DATE) for code, v in batch])
    for (code, _), png in zip(batch, pngs, strict=True):
        assert decode(telegram_photo(png, 1280, 75)) == [code]


def test_decoding_rubbish_finds_nothing() -> None:
    assert decode_qr(b"not an image") == []
    blank = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(blank, format="JPEG")
    assert decode_qr(blank.getvalue()) == []
