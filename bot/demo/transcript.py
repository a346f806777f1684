"""What every participant saw and did, in time order, as a Markdown transcript.

The bot's messages are picked up as they arrive (a watcher looks at every chat of the cast a
few times a second, edits included), and what people type and press is written by the script
as they do it, after everything that arrived before it. Times are the demo clock's, read from
each message's Telegram date, in the company's zone with the zone named.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.timefmt import format_clock, format_time
from botapi_emulator import ChatMessage, EmulatedGroup, EmulatedUser

Participant = EmulatedUser | EmulatedGroup
log = logging.getLogger(__name__)
POLL = 0.03  # seconds between looks at the chats


def name_of(who: Participant) -> str:
    return who.title if isinstance(who, EmulatedGroup) else who.name


def describe(message: ChatMessage) -> str:
    """One readable block for a message the bot sent, as the phone shows it."""
    data = message.data
    if message.photo:
        album = " (album)" if message.media_group_id else ""
        body = f"[photo{album}] {message.caption or ''}"
    elif message.document:
        body = f"[file {message.document.get('file_name', '')}] {message.caption or ''}"
    elif message.venue:
        body = f"[map pin] {message.venue['title']} ({message.venue['address']})"
    elif message.location:
        body = f"[location] {message.location['latitude']}, {message.location['longitude']}"
    elif message.contact:
        contact = message.contact
        body = f"[contact] {contact.get('first_name', '')} {contact.get('phone_number', '')}"
    elif "voice" in data:
        body = f"[voice note, {data['voice'].get('duration', 0)} s] {message.caption or ''}"
    else:
        body = message.text or ""
    buttons = [label for label in message.buttons if label]
    if buttons:
        body += "\n    buttons: " + " | ".join(f"[{b}]" for b in buttons)
    return body.strip()


def _quoted(text: str) -> str:
    return "\n".join(f"    > {line}" if line else "    >" for line in text.splitlines())


@dataclass
class _Seen:
    count: int = 0
    edits: dict[int, int] = field(default_factory=dict)  # message id -> versions seen
    shown: dict[int, str] = field(default_factory=dict)  # message id -> text last written
    deleted: set[int] = field(default_factory=set)


@dataclass
class Transcript:
    clock: Clock
    zone: ZoneInfo
    lines: list[str] = field(default_factory=list)
    _cast: list[Participant] = field(default_factory=list)
    _seen: dict[int, _Seen] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _started: float = field(default_factory=time.monotonic)

    # --- the cast ----------------------------------------------------------------------------

    def watch(self, *participants: Participant) -> None:
        for person in participants:
            if id(person) not in self._seen:
                self._cast.append(person)
                self._seen[id(person)] = _Seen()

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="demo-transcript")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.look()

    async def _watch(self) -> None:
        while True:
            self.look()
            await asyncio.sleep(POLL)

    # --- writing -----------------------------------------------------------------------------

    def heading(self, text: str) -> None:
        self.look()
        self.lines += ["", f"## {self.stamp()} · {text}", ""]
        log.info("%5.1f s  %s  %s", time.monotonic() - self._started, self.stamp(), text)

    def note(self, text: str) -> None:
        """Narration: what happens off the phones (kept apart from what people saw)."""
        self.look()
        self.lines.append(f"- *{text}*")

    def action(self, who: Participant, what: str) -> None:
        self.look()  # what arrived before the action comes first
        self.lines.append(f"- `{self._clock_now()}` **{name_of(who)}** {what}")

    def look(self) -> None:
        """Record every message and edit that arrived since the last look."""
        for person in self._cast:
            seen = self._seen[id(person)]
            messages = [m for m in person.messages if m.from_bot]
            for message in messages[seen.count :]:
                self._message(person, message, "→")
                seen.edits[message.message_id] = len(message.history)
                seen.shown[message.message_id] = message.content
            for message in messages[: seen.count]:
                versions = seen.edits.get(message.message_id, 0)
                if len(message.history) > versions:
                    seen.edits[message.message_id] = len(message.history)
                    self._edit(person, message, seen.shown.get(message.message_id))
                    seen.shown[message.message_id] = message.content
                if message.deleted and message.message_id not in seen.deleted:
                    seen.deleted.add(message.message_id)
                    self.lines.append(
                        f"- `{self._clock_now()}` Ferryman deletes a message to {name_of(person)}"
                    )
            seen.count = len(messages)

    def _message(self, person: Participant, message: ChatMessage, arrow: str) -> None:
        when = self._at(message.date)
        self.lines.append(f"- `{when}` Ferryman {arrow} {name_of(person)}:")
        self.lines.append(_quoted(describe(message)))

    def _edit(self, person: Participant, message: ChatMessage, shown: str | None) -> None:
        when = self._at(int(message.data.get("edit_date", message.date)))
        if shown == message.content:
            buttons = " | ".join(f"[{b}]" for b in message.buttons) or "none"
            what = f"the buttons of its message to {name_of(person)} now: {buttons}"
            self.lines.append(f"- `{when}` Ferryman changes {what}")
            return
        self.lines.append(f"- `{when}` Ferryman edits its message to {name_of(person)}:")
        self.lines.append(_quoted(describe(message)))

    def _at(self, timestamp: int) -> str:
        return format_clock(datetime.fromtimestamp(timestamp, UTC), self.zone)

    def _clock_now(self) -> str:
        return format_clock(self.clock.now(), self.zone)

    def write(self, path: Path, title: str, intro: str = "") -> None:
        """The transcript under ``title``, after ``intro`` and a list of the day's parts."""
        parts = [line.removeprefix("## ") for line in self.lines if line.startswith("## ")]
        contents = "\n".join(f"{n}. {part}" for n, part in enumerate(parts, start=1))
        head = f"# {title}\n\n{intro}\n\n**The day**\n\n{contents}\n"
        path.write_text(head + "\n".join(self.lines) + "\n", encoding="utf-8")

    def stamp(self) -> str:
        return format_time(self.clock.now(), self.zone)
