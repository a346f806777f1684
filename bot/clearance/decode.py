"""Reading QR codes out of photos (for /verify). CPU-bound: runs in a worker process."""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image

# A Telegram photo is at most 2,560 px on a side; anything far larger is not a photo.
MAX_PIXELS = 40_000_000
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def decode_qr(data: bytes) -> list[str]:
    """The texts of all QR codes found, in reading order; empty if none or not an image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                return []
            image.load()
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return []
    pixels = image if image.mode in ("L", "RGB") else image.convert("RGB")
    found = zxingcpp.read_barcodes(pixels, formats=QR_ONLY)
    return [result.text for result in found if result.text]
