"""The clearance service: signs codes, renders and caches QR images, remembers file ids.

Signing and token checks are pure and synchronous. Everything CPU-heavy (rendering, decoding
photos, building the PDF sheet) runs in a process pool so the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from bot.clearance import token
from bot.clearance.cache import DEFAULT_MEMORY_BYTES, ImageCache, image_key
from bot.clearance.decode import decode_qr
from bot.clearance.pool import WorkerPool
from bot.clearance.render import RENDER_VERSION, render_many, render_png
from bot.clearance.sheet import Sheet, build_sheet_pdf
from bot.clock import Clock, SystemClock
from bot.config import ClearanceSettings

if TYPE_CHECKING:
    from storage.repositories.clearance_images import ClearanceImageRepository

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = ZoneInfo("Asia/Shanghai")
# Images per worker round trip when pre-rendering: large enough that process hand-over costs
# little, small enough that both workers stay busy to the end.
PRERENDER_BATCH = 25


class ImageJob(NamedTuple):
    code: str
    vin: str
    service_date: date


class ClearanceService:
    def __init__(
        self,
        settings: ClearanceSettings,
        *,
        timezone: ZoneInfo = DEFAULT_TIMEZONE,
        images: ClearanceImageRepository | None = None,
        cache_dir: Path | None = None,
        workers: int | None = None,
        clock: Clock | None = None,
        memory_cache_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        """``images`` keeps Telegram file ids in the database (else in memory, lost on
        restart); ``cache_dir`` keeps rendered PNGs across restarts; ``timezone`` is the
        company's, in which a service date starts."""
        self.settings = settings
        self.timezone = timezone
        self.keyring = token.Keyring(
            settings.active_key_id,
            {key_id: secret.reveal().encode("utf-8") for key_id, secret in settings.keys.items()},
        )
        self._images = images
        self._file_ids: dict[str, str] = {}
        self._cache = ImageCache(cache_dir, memory_cache_bytes)
        self._pool = WorkerPool(workers)
        self._clock = clock or SystemClock()
        self._rendering: dict[str, asyncio.Future[bytes]] = {}

    # Codes -------------------------------------------------------------------------------

    def expires_at(self, service_date: date) -> datetime:
        """``validity_hours`` after the service date starts in the company's zone (UTC)."""
        start = datetime.combine(service_date, time(0), tzinfo=self.timezone)
        return start.astimezone(UTC) + timedelta(hours=self.settings.validity_hours)

    def generate(self, assignment_id: int, vin: str, service_date: date) -> str:
        """A signed code for the assignment; the same inputs and key give the same code.

        Raises :class:`bot.clearance.token.SigningUnavailable` without a signing key."""
        return token.sign(
            self.keyring, assignment_id, vin, service_date, self.expires_at(service_date)
        )

    def verify_token(self, code: str, now: datetime) -> token.TokenCheck:
        """Signature, key id and expiry of a generated code (no database)."""
        return token.verify(self.keyring, code, now)

    # Images ------------------------------------------------------------------------------

    async def image(self, code: str, vin: str, service_date: date) -> bytes:
        """The clearance PNG, from the cache or rendered in a worker process."""
        key = image_key(code, vin, service_date)
        cached = await self._cache.get(key)
        if cached is not None:
            return cached
        # Two requests for the same image (a double tap) share one render.
        pending = self._rendering.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._rendering[key] = future
        try:
            png = await self._pool.run(render_png, code, vin, service_date)
            await self._cache.put_many([(key, png)])
            future.set_result(png)
            return png
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so a lone request logs no "never retrieved"
            raise
        finally:
            del self._rendering[key]

    async def prerender(self, jobs: Iterable[ImageJob | tuple[str, str, date]]) -> int:
        """Render every image not cached yet (the evening job); returns how many were drawn."""
        wanted: dict[str, ImageJob] = {}
        for job in jobs:
            item = ImageJob(*job)
            wanted.setdefault(image_key(*item), item)
        keys = await self._cache.missing(list(wanted))
        missing = {key: wanted[key] for key in keys}
        batches = [keys[i : i + PRERENDER_BATCH] for i in range(0, len(keys), PRERENDER_BATCH)]

        async def one_batch(batch: list[str]) -> None:
            pngs = await self._pool.run(render_many, [tuple(missing[k]) for k in batch])
            await self._cache.put_many(zip(batch, pngs, strict=True))

        await asyncio.gather(*(one_batch(batch) for batch in batches))
        if keys:
            log.info("pre-rendered %d clearance images", len(keys))
        return len(keys)

    async def decode(self, photo: bytes) -> list[str]:
        """Texts of the QR codes in a photo (empty when there is none or it is no image)."""
        return await self._pool.run(decode_qr, photo)

    async def sheet_pdf(self, sheet: Sheet) -> bytes:
        """The printable A4 sheet (see :mod:`bot.clearance.sheet`)."""
        return await self._pool.run(build_sheet_pdf, sheet)

    # Telegram file ids -------------------------------------------------------------------

    async def cached_file_id(self, code: str) -> str | None:
        """Telegram's file id for this code's image, once Telegram has it."""
        if self._images is None:
            return self._file_ids.get(code)
        return await self._images.file_id(code, RENDER_VERSION)

    async def remember_file_id(self, code: str, file_id: str) -> None:
        if self._images is None:
            self._file_ids[code] = file_id
            return
        await self._images.remember(code, file_id, RENDER_VERSION, self._clock.now())

    async def forget_file_id(self, code: str) -> None:
        """Telegram refused the file id (e.g. a different bot token): upload next time."""
        self._file_ids.pop(code, None)
        if self._images is not None:
            await self._images.forget(code)

    async def close(self) -> None:
        await self._pool.close()
