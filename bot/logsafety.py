"""Secrets and personal data never reach the terminal or a log line, whatever path they take.

Two layers, because a secret can reach stderr without passing through logging at all:
python-telegram-bot puts the token into ``InvalidToken("The token `…` was rejected")``, and an
uncaught exception, a warning or a thread's traceback is printed straight to ``sys.stderr``.

- :class:`SecretRedactor`, a logging filter on every handler: masks the message, its
  arguments and the formatted traceback before any formatter (text or JSON) sees them;
- :class:`RedactingStream`, wrapped around ``sys.stdout`` and ``sys.stderr`` by
  :func:`install_redaction`, for everything else that is written to the terminal.

Phone and passport numbers are personal data rather than secrets: the filter masks them in log
records too (keeping the last digits, enough to tell two people apart in a log).
"""

from __future__ import annotations

import io
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from typing import Any, TextIO

MASK = "***"

# Phone numbers as people and Telegram write them: +7 701 123 45 67, 8(701)123-45-67,
# 8613812345678. With "+" 9-15 digits; without it at least 11, because Telegram user ids (up
# to 10 digits) and update ids must stay readable; "-100…" group chat ids are left alone too.
_PHONE_RE = re.compile(
    r"(?<![\w+-])(?:\+\d(?:[ ()-]{0,2}\d){8,14}|\d(?:[ ()-]{0,2}\d){10,14})(?!\w)"
)
# Passport numbers: one or two letters then 6-9 digits (E12345678, N1234567, AB1234567).
_PASSPORT_RE = re.compile(r"\b[A-Z]{1,2}\d{6,9}\b")


def _mask_number(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"{MASK}{digits[-2:]}"


def mask_personal(text: str) -> str:
    """Phone and passport numbers masked, keeping the last two digits."""
    text = _PASSPORT_RE.sub(_mask_number, text)
    return _PHONE_RE.sub(_mask_number, text)


class _Secrets:
    """The process's secrets. One set per process, because the terminal is one per process."""

    def __init__(self) -> None:
        self._values: list[str] = []

    def add(self, secrets: Iterable[str]) -> None:
        # Short strings would mask ordinary words; real tokens and keys are long.
        merged = set(self._values) | {s for s in secrets if len(s) >= 8}
        # Longest first, so a secret containing another is masked whole.
        self._values = sorted(merged, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._values:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


_SECRETS = _Secrets()


def redact_text(text: str) -> str:
    """The text with every registered secret masked (for anything printed outside logging)."""
    return _SECRETS.redact(text)


class SecretRedactor(logging.Filter):
    """Masks secrets (and, with ``personal=True``, phone and passport numbers) in a record."""

    def __init__(self, secrets: Iterable[str] = (), *, personal: bool = True) -> None:
        super().__init__()
        self._own = _Secrets()
        self._own.add(secrets)
        self._personal = personal

    def _redact(self, text: str) -> str:
        text = _SECRETS.redact(self._own.redact(text))
        return mask_personal(text) if self._personal else text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        return True


class RedactingStream(io.TextIOBase):
    """A text stream that masks secrets in whatever passes through it.

    Text is held until the end of a line, so a secret written in two pieces (a traceback is
    printed a line at a time, but a library may write a fragment) is still masked whole.
    """

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        head, newline, tail = self._pending.rpartition("\n")
        if newline:
            self.inner.write(redact_text(head + newline))
            self._pending = tail
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.inner.write(redact_text(self._pending))
            self._pending = ""
        self.inner.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.inner.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def install_redaction(secrets: Iterable[str]) -> None:
    """Mask these secrets on every path to the terminal from now on.

    Registers them for the whole process, filters every handler of the root logger, and wraps
    ``sys.stdout``/``sys.stderr`` (once), which covers print(), warnings, uncaught
    tracebacks and a thread's exceptions alike.
    """
    _SECRETS.add(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, SecretRedactor) for f in handler.filters):
            handler.addFilter(SecretRedactor())
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            wrapped = RedactingStream(stream)
            setattr(sys, name, wrapped)
            # A StreamHandler made earlier holds the bare stream: point it at the wrapper.
            for handler in root.handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is stream:
                    handler.setStream(wrapped)
