"""Telegram's limits for bots (cloud Bot API), in one place."""

from __future__ import annotations

from typing import Final

MESSAGE_LIMIT: Final = 4096  # characters in a text message
CAPTION_LIMIT: Final = 1024  # characters in a media caption
DOWNLOAD_LIMIT_BYTES: Final = 20 * 1024 * 1024  # largest file a bot may download
