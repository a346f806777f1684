"""The end of the day: the scheduler's daily summary to the group, then the dispatcher's
/board (text and image), /export (CSV and XLSX) and /qrsheet (PDF), and the audit trail."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

from bot.demo.day import Day
from bot.timefmt import format_time
from botapi_emulator import ChatMessage, EmulatedUser


async def end_of_day(day: Day) -> None:
    admin = day.admin
    assert admin is not None
    since = day.mark(day.group)
    await day.until(day.at(21, 0), "The day in one message (the scheduler, 21:00)")
    await day.reply(day.group, since, "📊")
    await day.until(
        day.at(21, 10), "The dispatcher's board and export; the owner prints the day's QR sheet"
    )

    # The dispatcher looks at the board and exports the day; the owner prints the QR sheet.
    async def dispatcher() -> None:
        await _ask(day, admin, "/board", ("board.txt", "board.png"))
        await _ask(day, admin, "/export", (None, None))

    await asyncio.gather(dispatcher(), _ask(day, day.owner, "/qrsheet", (None,)))


async def _ask(day: Day, who: EmulatedUser, command: str, files: tuple[str | None, ...]) -> None:
    """A command whose answers are files (or a text kept as one)."""
    since = day.mark(who)
    await day.say(who, command)
    replies = await day.replies(who, since, len(files))
    await asyncio.gather(
        *(_keep(day.out, reply, name) for reply, name in zip(replies, files, strict=True))
    )


async def _keep(out: Path, reply: ChatMessage, name: str | None) -> None:
    """A file the dispatcher got, saved under its own name (or ``name``)."""
    if reply.photo or reply.document:
        document = reply.document or {}
        filename = name or str(document.get("file_name") or "file.bin")
        data = await reply.download()
        await asyncio.to_thread((out / filename).write_bytes, data)
    elif name is not None:
        await asyncio.to_thread((out / name).write_text, reply.text or "", "utf-8")


async def write_audit(day: Day, names: dict[int, str]) -> None:
    """Every event of the day in order, each with who did it: the company's own first (staff,
    invitations, registrations), then every trip's."""
    state = day.state
    zone = state.settings.company.timezone
    events = await state.repos.events.all()
    by_trip: dict[int | None, list[str]] = defaultdict(list)
    for event in events:
        actor = event.actor_telegram_id
        who = "Ferryman" if actor is None else names.get(actor, f"Telegram user {actor}")
        payload = f" `{event.payload}`" if event.payload else ""
        when = format_time(event.recorded_at, zone)
        by_trip[event.assignment_id].append(f"- {when} {event.kind} by {who}{payload}")
    lines = [f"# Audit trail of the demo day, {format_time(day.clock.now(), zone)}", ""]
    lines += ["## The company (staff, invitations, registrations, border records)", ""]
    lines += by_trip.pop(None, [])
    assignments = {a.id: a for a in await state.repos.assignments.for_day(day.service_day.date())}
    for number in sorted(n for n in by_trip if n is not None):
        trip = assignments.get(number)
        status = trip.status.value if trip is not None else "?"
        lines += ["", f"## Assignment #{number}: {status}", "", *by_trip[number]]
    await asyncio.to_thread((day.out / "audit.md").write_text, "\n".join(lines) + "\n", "utf-8")
