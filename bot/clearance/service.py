"""Stand-in for the clearance service: the interface the driver's day uses.

The clearance work replaces the internals (signed tokens, fast rendering in a worker pool,
caching, Telegram file ids) and keeps these signatures.
"""

from __future__ import annotations

import asyncio
import io
from datetime import date

import qrcode

from bot.config import ClearanceSettings


class ClearanceService:
    def __init__(self, settings: ClearanceSettings) -> None:
        self.settings = settings

    def generate(self, assignment_id: int, vin: str, service_date: date) -> str:
        """A new code for an assignment (stand-in: unsigned)."""
        return f"FM0-{assignment_id}-{vin}-{service_date.isoformat()}"

    async def image(self, code: str, vin: str, service_date: date) -> bytes:
        """The QR as PNG bytes, rendered off the event loop."""
        return await asyncio.to_thread(self._render, code)

    @staticmethod
    def _render(code: str) -> bytes:
        buffer = io.BytesIO()
        qrcode.make(code).save(buffer, format="PNG")
        return buffer.getvalue()

    async def cached_file_id(self, code: str) -> str | None:
        """Telegram's file id for this code's image, once Telegram has it."""
        return None

    async def remember_file_id(self, code: str, file_id: str) -> None:
        return None

    async def close(self) -> None:
        return None
