"""Secrets never reach a log line, even inside a library's exception text."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

MASK = "***"


class SecretRedactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        return True


def install_redaction(secrets: Iterable[str]) -> None:
    """Attach the redactor to every handler of the root logger."""
    redactor = SecretRedactor(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
