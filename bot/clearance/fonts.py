"""Finding fonts for the QR label and the printable sheet.

The project may ship fonts in ``bot/fonts`` (packaged with the wheel); otherwise the DejaVu
fonts that Debian-based machines carry are used, and failing both Pillow's built-in font.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

_PACKAGED = Path(__file__).resolve().parent.parent / "fonts"
_SYSTEM = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
MONO_BOLD = "DejaVuSansMono-Bold.ttf"
SANS = "DejaVuSans.ttf"
SANS_BOLD = "DejaVuSans-Bold.ttf"
# Chinese driver names on the sheet need a CJK font; used when the machine has one.
CJK_CANDIDATES = (
    _PACKAGED / "NotoSansSC-Regular.ttf",
    _PACKAGED / "NotoSansCJKsc-Regular.otf",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)


@cache
def find_font(name: str) -> Path | None:
    for folder in (_PACKAGED, *_SYSTEM):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


@cache
def find_cjk_font() -> Path | None:
    return next((path for path in CJK_CANDIDATES if path.is_file()), None)


@cache
def label_font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A Pillow font of ``size`` pixels; cached per process because loading costs ~1 ms."""
    path = find_font(name)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    # Pillow's embedded scalable font (needs FreeType, as every wheel has).
    return ImageFont.load_default(size)
