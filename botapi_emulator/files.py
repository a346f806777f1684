"""Uploaded files: exact bytes, file_id / file_unique_id, and the Bot API objects describing them.

A photo is stored as several sizes like Telegram does; the largest size is the uploaded bytes
unchanged (Telegram would recompress, but tests need to compare what went in with what came
out), smaller sizes are JPEG thumbnails made with Pillow.
"""

from __future__ import annotations

import io
import mimetypes
import secrets
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from botapi_emulator.errors import bad_request

JSON = dict[str, Any]

# file_id prefixes of real Telegram ids by kind, so logs look familiar.
_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}
_THUMB_SIDES = (90, 320)
MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    # The Bot API object to put in a message when this file is sent again by file_id.
    media: Any = None
    extra: JSON = field(default_factory=dict)

    def file_object(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass(slots=True)
class ImageInfo:
    width: int
    height: int
    thumbnails: list[tuple[int, int, bytes]]


def image_info(data: bytes, *, thumbnails: bool = True) -> ImageInfo | None:
    """Size (and smaller JPEG renditions) of an image, or None if it is not one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            thumbs: list[tuple[int, int, bytes]] = []
            if thumbnails:
                for side in _THUMB_SIDES:
                    if max(width, height) <= side:
                        break
                    copy = image.convert("RGB")
                    copy.thumbnail((side, side))
                    out = io.BytesIO()
                    copy.save(out, format="JPEG", quality=80)
                    thumbs.append((copy.width, copy.height, out.getvalue()))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return ImageInfo(width, height, thumbs)


class FileStore:
    def __init__(self) -> None:
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def _add(self, kind: str, data: bytes, extension: str) -> StoredFile:
        self._counter += 1
        folder = {"photo": "photos", "document": "documents"}.get(kind, kind)
        stored = StoredFile(
            file_id=_PREFIX.get(kind, "BQAC") + secrets.token_urlsafe(30),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{self._counter}{extension}",
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored

    def add_photo(self, data: bytes, info: ImageInfo | None) -> list[JSON]:
        """PhotoSize list, smallest first, largest = ``data`` exactly."""
        if info is None:
            info = ImageInfo(1, 1, [])
        sizes: list[JSON] = []
        stored_sizes: list[StoredFile] = []
        renditions = [*info.thumbnails, (info.width, info.height, data)]
        for width, height, blob in renditions:
            ext = ".jpg" if blob is not data else _image_extension(data)
            stored = self._add("photo", blob, ext)
            stored_sizes.append(stored)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(blob),
                }
            )
        for stored in stored_sizes:
            stored.media = sizes
        return sizes

    def add_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> JSON:
        name = file_name or "document"
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        extension = "." + name.rsplit(".", 1)[1] if "." in name else ""
        stored = self._add("document", data, extension)
        stored.media = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": mime,
            "file_size": len(data),
        }
        return dict(stored.media)

    def add_voice(self, data: bytes, duration: int) -> JSON:
        stored = self._add("voice", data, ".oga")
        stored.media = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return dict(stored.media)

    def add_sticker(self, data: bytes, emoji: str) -> JSON:
        stored = self._add("sticker", data, ".webp")
        stored.media = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(data),
        }
        return dict(stored.media)

    def get(self, file_id: str) -> StoredFile | None:
        return self.by_id.get(file_id)

    def reuse(self, file_id: str, kind: str) -> Any:
        """The media object for re-sending ``file_id`` as ``kind``, or Telegram's refusal."""
        stored = self.by_id.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return stored.media if isinstance(stored.media, list) else dict(stored.media)


def _image_extension(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"


def largest(media: Any) -> JSON:
    """The largest PhotoSize of a photo list, or the object itself."""
    if isinstance(media, list):
        return dict(max(media, key=lambda size: size["width"] * size["height"]))
    return dict(media)


def sample_image(
    width: int = 640, height: int = 480, color: str = "#3a7", fmt: str = "JPEG"
) -> bytes:
    """A real image for tests and the demo (users' photos must be images to get sizes)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()
