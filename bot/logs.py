"""Log lines an operator can read (or feed to a log collector), with nothing secret in them.

- ``[logging] format = "text"`` (default) or ``"json"``: one JSON object per line, made by
  python-json-logger, for journald/Loki/Elasticsearch.
- Every record carries the update id, the assignment id and the actor (Telegram user id)
  when the line was written while handling an update (context variables set by the first
  handler group, see ``handlers/guards.py``).
- Secrets are masked, and phone and passport numbers too (``bot.logsafety``).
- Without ``-v``, a library's traceback (python-telegram-bot, httpx) becomes one line with
  the exception's type and message: network trouble is expected and a 60-line traceback per
  retry buries what matters. Ferryman's own errors keep their tracebacks.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from bot.logsafety import SecretRedactor

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"
CONTEXT_FIELDS = ("update_id", "assignment_id", "actor")
# Loggers whose tracebacks are library internals, shortened to one line unless -v.
LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "aiohttp")
# httpx request lines carry the bot token in the URL, aiosqlite every query with its
# parameters (names, phones); apscheduler narrates every job it adds.
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite")

_update_id: ContextVar[int | None] = ContextVar("ferryman_log_update_id", default=None)
_assignment_id: ContextVar[int | None] = ContextVar("ferryman_log_assignment_id", default=None)
_actor: ContextVar[int | None] = ContextVar("ferryman_log_actor", default=None)


def bind(
    *, update_id: int | None = None, assignment_id: int | None = None, actor: int | None = None
) -> None:
    """Name what the current task is working on; later log lines in the task carry it."""
    if update_id is not None:
        _update_id.set(update_id)
    if assignment_id is not None:
        _assignment_id.set(assignment_id)
    if actor is not None:
        _actor.set(actor)


@contextmanager
def bound(**values: int | None) -> Iterator[None]:
    """``bind`` for a block of code that runs outside an update (jobs, the CLI)."""
    tokens = [
        var.set(values[name])
        for name, var in (
            ("update_id", _update_id),
            ("assignment_id", _assignment_id),
            ("actor", _actor),
        )
        if values.get(name) is not None
    ]
    try:
        yield
    finally:
        for token in reversed(tokens):
            token.var.reset(token)


class ContextFilter(logging.Filter):
    """Adds update_id, assignment_id and actor to the record (None when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = {"update_id": _update_id.get(), "assignment_id": _assignment_id.get()}
        values["actor"] = _actor.get()
        for name, value in values.items():
            setattr(record, name, value)
        known = " ".join(f"{k}={v}" for k, v in values.items() if v is not None)
        record.context = f" [{known}]" if known else ""
        return True


class ShortLibraryTracebacks(logging.Filter):
    """A library's traceback reduced to its last line, appended to the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.name.split(".")[0] in LIBRARY_LOGGERS:
            exc = record.exc_info[1]
            if exc is not None:
                record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
                record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class _JsonFormatter(JsonFormatter):
    def add_fields(
        self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record.pop("context", None)
        for name in CONTEXT_FIELDS:
            if log_record.get(name) is None:
                log_record.pop(name, None)


def setup_logging(
    *, verbose: bool = False, fmt: LogFormat = "text", stream: TextIO | None = None
) -> logging.Handler:
    """Ferryman's handler on stderr (or ``stream``), replacing the one set up before (the CLI
    sets up text logging at once, then the settings' format once they are read)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "ferryman", False):
            root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.ferryman = True  # type: ignore[attr-defined]
    formatter: logging.Formatter
    if fmt == "json":
        # "time" in ISO 8601, UTC, with its zone: collectors need no guessing.
        formatter = _JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "context"],
            timestamp="time",
        )
    else:
        formatter = logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    # Order matters: context first, then shorten, then mask what is left.
    handler.addFilter(ContextFilter())
    if not verbose:
        handler.addFilter(ShortLibraryTracebacks())
    handler.addFilter(SecretRedactor())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
