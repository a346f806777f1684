"""Is this photo new? A photo already used as proof (same bytes or same Telegram file) is refused;
a near copy (recropped, recompressed: close perceptual hash) is accepted but flagged."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import imagehash
import zxingcpp
from PIL import Image

from bot.services.errors import Refusal, ServiceRefused
from storage.repositories import Repositories

# Differing bits of two 64-bit perceptual hashes at or below which two photos are the same
# picture: 0-4 for a recompressed or resized copy, 20+ for two photos of different scenes.
NEAR_COPY_BITS = 6
# How far back near copies are looked for; exact reuse is found over all history by index.
NEAR_COPY_WINDOW = timedelta(days=30)


class PhotoReused(ServiceRefused):
    """The photo is already on record as ``item`` of assignment ``assignment_id``."""

    def __init__(self, assignment_id: int, item: str) -> None:
        super().__init__(Refusal.PHOTO_REUSED, f"#{assignment_id} {item}")
        self.assignment_id = assignment_id
        self.item = item


@dataclass(frozen=True, slots=True)
class NearCopy:
    """A recorded photo that looks like the new one."""

    proof_id: int
    assignment_id: int
    item: str
    distance_bits: int


class VinMismatch(ServiceRefused):
    """The VIN plate's barcode or QR names ``read``, not the car of ``assignment_id``."""

    def __init__(self, assignment_id: int, read: str) -> None:
        super().__init__(Refusal.VIN_MISMATCH, f"#{assignment_id} {read}")
        self.assignment_id = assignment_id
        self.read = read


# 17 characters of the VIN alphabet (no I, O or Q), as printed under a plate's barcode.
_VIN_IN_TEXT = re.compile(r"(?<![A-Z0-9])([A-HJ-NPR-Z0-9]{17})(?![A-Z0-9])")


def vin_in_photo(data: bytes) -> str | None:
    """The VIN a barcode or QR code in the photo carries (CPU work: call it in a thread);
    None when there is none or it cannot be read, which is fine: many plates have none."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels = image.convert("L")
    except (OSError, ValueError):
        return None
    for result in zxingcpp.read_barcodes(pixels):
        match = _VIN_IN_TEXT.search((result.text or "").upper())
        if match is not None:
            return match.group(1)
    return None


def perceptual_hash(data: bytes) -> str | None:
    """Hex pHash of a photo (CPU work: call it off the event loop); None if undecodable."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return str(imagehash.phash(image.convert("L")))
    except (OSError, ValueError):
        return None


async def refuse_reuse(repos: Repositories, sha256: str, file_unique_id: str) -> None:
    """Raises PhotoReused if these bytes or this Telegram file are already proof of anything."""
    earlier = await repos.proofs.same_photo(sha256, file_unique_id)
    if earlier is not None:
        raise PhotoReused(earlier.assignment_id, earlier.checklist_item or "")


async def near_copy(repos: Repositories, phash: str | None, now: datetime) -> NearCopy | None:
    """The closest recent proof photo within NEAR_COPY_BITS of ``phash``."""
    if phash is None:
        return None
    wanted = imagehash.hex_to_hash(phash)
    best: NearCopy | None = None
    for proof_id, assignment_id, item, other in await repos.proofs.fingerprints_since(
        now - NEAR_COPY_WINDOW
    ):
        bits = int(wanted - imagehash.hex_to_hash(other))
        if bits <= NEAR_COPY_BITS and (best is None or bits < best.distance_bits):
            best = NearCopy(proof_id, assignment_id, item, bits)
    return best
