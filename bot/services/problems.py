"""A driver's problem report: an event that goes to admins and the group, not a new status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.events import EventKind
from bot.domain.models import Driver
from bot.domain.pending import InputKind
from bot.services.errors import Refusal, ServiceRefused
from bot.services.trips import Trip, current_trip, owned_trip, registered_driver
from storage.repositories import Repositories

PROBLEM = InputKind.PROBLEM  # pending input: the next text or photo describes a problem
MAX_PROBLEM_TEXT = 1000


MAX_ITEMS = 10  # pieces in one report; more is a second report


class ItemKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    LOCATION = "location"


@dataclass(frozen=True, slots=True)
class ProblemItem:
    """One piece of a report as the driver sent it: a note, a photo, a voice note, a place."""

    kind: ItemKind
    text: str = ""
    file_id: str = ""
    latitude: float | None = None
    longitude: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ProblemItem:
        return cls(
            kind=ItemKind(raw["kind"]),
            text=str(raw.get("text", "")),
            file_id=str(raw.get("file_id", "")),
            latitude=raw.get("latitude"),
            longitude=raw.get("longitude"),
        )


@dataclass(frozen=True, slots=True)
class ProblemReport:
    driver: Driver
    trip: Trip | None
    items: tuple[ProblemItem, ...]
    # What the driver was doing before /problem (a delivery checklist), now pending again.
    resumed: InputKind | None = None

    @property
    def text(self) -> str:
        """The notes of the report, in order (captions of photos included)."""
        return "\n".join(item.text for item in self.items if item.text)


async def begin_problem(
    repos: Repositories, telegram_id: int, assignment_id: int | None, now: datetime
) -> Trip | None:
    """Remember that the driver's next messages describe a problem, until "Send"."""
    await registered_driver(repos, telegram_id)
    if assignment_id is None:
        trip = await current_trip(repos, telegram_id)
    else:
        trip = await owned_trip(repos, telegram_id, assignment_id)
    # The report is what the driver's next messages answer; whatever it interrupts (a delivery
    # checklist half done) is kept and resumes once the report is sent.
    await repos.pending.set(
        telegram_id,
        PROBLEM,
        None if trip is None else trip.assignment.id,
        now,
        data={"items": []},
        interrupt=True,
    )
    return trip


async def is_waiting_for_problem(repos: Repositories, telegram_id: int) -> bool:
    pending = await repos.pending.get(telegram_id)
    return pending is not None and pending.kind == PROBLEM


async def add_item(repos: Repositories, telegram_id: int, item: ProblemItem, now: datetime) -> int:
    """Keeps one more piece of the report; returns how many it has now."""
    async with repos.db.transaction():
        pending = await repos.pending.get(telegram_id)
        if pending is None or pending.kind != PROBLEM:
            raise ServiceRefused(Refusal.ILLEGAL_STEP, "no problem report started")
        items = list(pending.data.get("items", []))
        if len(items) >= MAX_ITEMS:
            raise ServiceRefused(Refusal.REPORT_FULL)
        if item.kind is ItemKind.TEXT:
            item = replace(item, text=item.text.strip()[:MAX_PROBLEM_TEXT])
        items.append(item.to_json())
        await repos.pending.set(
            telegram_id,
            PROBLEM,
            pending.assignment_id,
            pending.created_at,
            data={**pending.data, "items": items},
            interrupt=True,
        )
    return len(items)


async def cancel_problem(repos: Repositories, telegram_id: int) -> InputKind | None:
    """Drops the report being written; returns the input that resumes, if any."""
    resumed = await repos.pending.clear(telegram_id, PROBLEM)
    return None if resumed is None else resumed.kind


async def report_problem(
    repos: Repositories, telegram_id: int, *, telegram_at: datetime, now: datetime
) -> ProblemReport:
    """Files the report (one event with every piece); the caller sends the staff copies in
    the same transaction."""
    driver = await registered_driver(repos, telegram_id)
    pending = await repos.pending.get(telegram_id)
    if pending is None or pending.kind != PROBLEM:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, "no problem report started")
    items = tuple(ProblemItem.from_json(raw) for raw in pending.data.get("items", []))
    if not items:
        raise ServiceRefused(Refusal.EMPTY_REPORT)
    trip = None
    if pending.assignment_id is not None:
        trip = await owned_trip(repos, telegram_id, pending.assignment_id)
    report = ProblemReport(driver, trip, items)
    photos = [item.file_id for item in items if item.kind is ItemKind.PHOTO]
    async with repos.db.transaction():
        await repos.events.append(
            EventKind.PROBLEM,
            recorded_at=now,
            telegram_at=telegram_at,
            actor_telegram_id=telegram_id,
            assignment_id=None if trip is None else trip.assignment.id,
            driver_id=driver.id,
            payload={
                "text": report.text,
                "photo_file_id": photos[0] if photos else None,
                "items": [item.to_json() for item in items],
            },
        )
        resumed = await repos.pending.clear(telegram_id, PROBLEM)
    return replace(report, resumed=None if resumed is None else resumed.kind)
