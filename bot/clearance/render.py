"""The clearance QR as a PNG: symbol, quiet zone, and the VIN and date in large type below.

CPU-bound and synchronous; the service runs it in worker processes, never on the event loop.

Speed: qrcode spends ~90 % of its time choosing the mask (it builds all eight symbols and
scores each). The mask only exists to avoid patterns that confuse old scanners; modern
decoders (ZXing, the phones' camera apps) read every mask, so one fixed mask is used and the
tests decode every rendered image, including after Telegram-style JPEG recompression. The
version is still fitted to the data (cheap). The pixels are drawn by scaling the module matrix
with nearest-neighbour instead of drawing one rectangle per module.
"""

from __future__ import annotations

import io
from datetime import date

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_Q

from bot.clearance.fonts import MONO_BOLD, SANS_BOLD, label_font

# Bump when the picture changes: cached PNGs and Telegram file ids of older renders are ignored.
RENDER_VERSION = 1
# Q restores 25 % of the symbol: glare on a phone screen, dirt or a crease on a window sticker.
ERROR_CORRECTION = ERROR_CORRECT_Q
MASK_PATTERN = 2
QUIET_ZONE = 4  # modules; the minimum the QR standard asks for
TARGET_SIDE_PX = 600  # symbol plus quiet zone; stays far below Telegram's 1,280 px
MIN_MODULE_PX = 6
MAX_MODULE_PX = 16
BLACK, WHITE = 0, 255


def qr_matrix(code: str) -> list[list[bool]]:
    """Dark modules as True, without a quiet zone."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0, mask_pattern=MASK_PATTERN)
    # add_data splits runs of upper-case/digits into alphanumeric segments (5.5 bits per
    # character instead of 8): a signed token fits version 5 instead of 7.
    qr.add_data(code)
    qr.make(fit=True)
    matrix: list[list[bool]] = qr.get_matrix()
    return matrix


def symbol_image(code: str, module_px: int | None = None) -> Image.Image:
    """The symbol with its quiet zone, grey-scale, ``module_px`` pixels per module."""
    matrix = qr_matrix(code)
    side = len(matrix) + 2 * QUIET_ZONE
    if module_px is None:
        module_px = max(MIN_MODULE_PX, min(MAX_MODULE_PX, TARGET_SIDE_PX // side))
    margin = bytes([WHITE]) * QUIET_ZONE
    blank = [bytes([WHITE]) * side] * QUIET_ZONE
    rows = [margin + bytes(BLACK if dark else WHITE for dark in row) + margin for row in matrix]
    rows = blank + rows + blank
    small = Image.frombytes("L", (side, side), b"".join(rows))
    return small.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)


def _centered(
    draw: ImageDraw.ImageDraw, width: int, top: int, text: str, font_name: str, share: float
) -> int:
    """Draw ``text`` centred, as large as fits ``share`` of the width; returns the next row."""
    size = 12
    font = label_font(font_name, size)
    # Text width grows linearly with the size, so one measurement gives the fitting size.
    measured = draw.textlength(text, font=font)
    size = max(12, min(int(size * width * share / max(measured, 1)), width // 8))
    font = label_font(font_name, size)
    left, _, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((width - (right - left)) // 2 - left, top), text, fill=BLACK, font=font)
    return int(top + bottom + size // 4)


def render_png(code: str, vin: str, service_date: date) -> bytes:
    """PNG bytes of the clearance image for one car."""
    symbol = symbol_image(code)
    width = symbol.width
    label_height = width // 3
    canvas = Image.new("L", (width, width + label_height), WHITE)
    canvas.paste(symbol, (0, 0))
    draw = ImageDraw.Draw(canvas)
    # The label starts below the quiet zone, so text never touches the symbol.
    top = _centered(draw, width, width, vin, MONO_BOLD, 0.92)
    _centered(draw, width, top, service_date.isoformat(), SANS_BOLD, 0.55)
    buffer = io.BytesIO()
    # Level 1: the output is ~15 % larger than level 6 but encodes several times faster.
    canvas.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def render_many(jobs: list[tuple[str, str, date]]) -> list[bytes]:
    """A batch for one worker round trip (fewer, larger messages between processes)."""
    return [render_png(code, vin, service_date) for code, vin, service_date in jobs]
