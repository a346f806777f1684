"""What every participant saw, in order, as a Markdown transcript."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.timefmt import format_clock
from botapi_emulator import ChatMessage, EmulatedGroup, EmulatedUser

Participant = EmulatedUser | EmulatedGroup


def name_of(who: Participant) -> str:
    return who.title if isinstance(who, EmulatedGroup) else who.name


def describe(message: ChatMessage) -> str:
    """One readable line (or block) for a message the bot sent."""
    if message.photo:
        body = f"[photo] {message.caption or ''}"
    elif message.document:
        body = f"[file {message.document.get('file_name', '')}] {message.caption or ''}"
    elif message.venue:
        body = f"[map pin] {message.venue['title']} ({message.venue['address']})"
    elif message.location:
        body = f"[location] {message.location['latitude']}, {message.location['longitude']}"
    else:
        body = message.text or ""
    buttons = [label for label in message.buttons if label]
    if buttons:
        body += "\n    buttons: " + " | ".join(f"[{b}]" for b in buttons)
    return body.strip()


@dataclass
class Transcript:
    clock: Clock
    zone: ZoneInfo
    lines: list[str] = field(default_factory=list)
    _seen: dict[int, int] = field(default_factory=dict)

    def heading(self, text: str) -> None:
        self.lines += ["", f"## {text}", ""]

    def action(self, who: Participant, what: str) -> None:
        self.lines.append(f"- `{self._time()}` **{name_of(who)}** {what}")

    async def settle(self, *participants: Participant, quiet: float = 0.25) -> None:
        """Wait until the bot has said all it will say for now (alerts follow replies)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5.0
        count = -1
        while loop.time() < deadline:
            current = sum(len(p.messages) for p in participants)
            if current == count:
                return
            count = current
            await asyncio.sleep(quiet)

    async def collect(self, *participants: Participant) -> None:
        """Add the bot's messages each participant received since the last call."""
        await self.settle(*participants)
        for person in participants:
            messages = [m for m in person.messages if m.from_bot]
            start = self._seen.get(id(person), 0)
            for message in messages[start:]:
                text = describe(message).replace("\n", "\n    > ")
                self.lines.append(
                    f"- `{self._time()}` Ferryman → {name_of(person)}:\n    > {text}"
                )
            self._seen[id(person)] = len(messages)

    def _time(self) -> str:
        return format_clock(self.clock.now(), self.zone)

    def write(self, path: Path, title: str) -> None:
        path.write_text(f"# {title}\n" + "\n".join(self.lines) + "\n", encoding="utf-8")
