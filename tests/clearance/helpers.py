"""Shared test data and the Telegram-style photo treatment."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import zxingcpp
from PIL import Image

from bot.clearance.token import Keyring
from bot.config import ClearanceSettings
from bot.domain.vin import check_digit
from bot.secrets import Secret

SERVICE_DATE = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 08:30 in Horgos
EXPIRES = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 48 h after 2026-11-30 00:00 UTC+8
SECRET_1 = "first-secret-value-0123456789"
SECRET_2 = "second-secret-value-987654321"


def vin(serial: int, wmi: str = "LGX") -> str:
    """A VIN with a correct check digit (position 9)."""
    draft = f"{wmi}CE4CB0R{serial:07d}"
    return draft[:8] + check_digit(draft) + draft[9:]


def keyring(active: str = "k1", **keys: str) -> Keyring:
    keys = keys or {"k1": SECRET_1}
    return Keyring(active, {k: v.encode() for k, v in keys.items()})


def clearance_settings(active: str = "k1", **keys: str) -> ClearanceSettings:
    keys = keys or {"k1": SECRET_1}
    return ClearanceSettings(
        active_key_id=active, keys={k: Secret(v) for k, v in keys.items()}, validity_hours=48
    )


def telegram_photo(png: bytes, longest: int = 1280, quality: int = 80) -> bytes:
    """What a phone gets after Telegram: longest side scaled to ``longest`` px, then JPEG."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = longest / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    image = image.resize(size, Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def decode(data: bytes | Image.Image) -> list[str]:
    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in zxingcpp.read_barcodes(image, formats=formats)]
