"""Rendered clearance images: an in-memory LRU bounded by bytes, backed by a folder on disk.

The folder survives restarts, so the evening's pre-rendered images are still there in the
morning. File names are a hash of what is drawn, including the renderer version.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from bot.clearance.render import RENDER_VERSION

DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024  # about 4,500 images


def image_key(code: str, vin: str, service_date: date) -> str:
    text = f"{RENDER_VERSION}\n{code}\n{vin}\n{service_date.isoformat()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ImageCache:
    def __init__(self, folder: Path | None = None, memory_bytes: int = DEFAULT_MEMORY_BYTES):
        self.folder = folder
        self.memory_bytes = memory_bytes
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.png"

    def _remember(self, key: str, png: bytes) -> None:
        if key in self._memory:
            self._memory.move_to_end(key)
            return
        if len(png) > self.memory_bytes:
            return
        self._memory[key] = png
        self._size += len(png)
        while self._size > self.memory_bytes:
            _, evicted = self._memory.popitem(last=False)
            self._size -= len(evicted)

    def peek(self, key: str) -> bytes | None:
        """Memory only: never blocks."""
        png = self._memory.get(key)
        if png is not None:
            self._memory.move_to_end(key)
        return png

    async def get(self, key: str) -> bytes | None:
        png = self.peek(key)
        if png is not None or self.folder is None:
            return png
        png = await asyncio.to_thread(self._read, self._path(key))
        if png is not None:
            self._remember(key, png)
        return png

    async def missing(self, keys: list[str]) -> list[str]:
        """The keys with no cached image, in the given order (one disk pass, off the loop)."""
        absent = [key for key in keys if key not in self._memory]
        if self.folder is None or not absent:
            return absent
        paths = [self._path(key) for key in absent]

        def scan() -> list[str]:
            return [key for key, path in zip(absent, paths, strict=True) if not path.is_file()]

        return await asyncio.to_thread(scan)

    async def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        batch = list(items)
        for key, png in batch:
            self._remember(key, png)
        if self.folder is not None and batch:
            await asyncio.to_thread(self._write_all, [(self._path(k), png) for k, png in batch])

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    @staticmethod
    def _write_all(items: list[tuple[Path, bytes]]) -> None:
        for path, png in items:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a crash never leaves a half-written PNG under the real name.
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(png)
            temporary.replace(path)
