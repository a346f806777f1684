"""A driver's problem report: an event that goes to admins and the group, not a new status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.events import EventKind
from bot.domain.models import Driver
from bot.domain.pending import InputKind
from bot.services.errors import Refusal, ServiceRefused
from bot.services.trips import Trip, current_trip, owned_trip, registered_driver
from storage.repositories import Repositories

PROBLEM = InputKind.PROBLEM  # pending input: the next text or photo describes a problem
MAX_PROBLEM_TEXT = 1000


@dataclass(frozen=True, slots=True)
class ProblemReport:
    driver: Driver
    trip: Trip | None
    text: str
    photo_file_id: str | None
    # What the driver was doing before /problem (a delivery checklist), now pending again.
    resumed: InputKind | None = None


async def begin_problem(
    repos: Repositories, telegram_id: int, assignment_id: int | None, now: datetime
) -> Trip | None:
    """Remember that the driver's next message describes a problem."""
    await registered_driver(repos, telegram_id)
    if assignment_id is None:
        trip = await current_trip(repos, telegram_id)
    else:
        trip = await owned_trip(repos, telegram_id, assignment_id)
    # The report is what the driver's next message answers; whatever it interrupts (a delivery
    # checklist half done) is kept and resumes once the report is in.
    await repos.pending.set(
        telegram_id, PROBLEM, None if trip is None else trip.assignment.id, now, interrupt=True
    )
    return trip


async def is_waiting_for_problem(repos: Repositories, telegram_id: int) -> bool:
    pending = await repos.pending.get(telegram_id)
    return pending is not None and pending.kind == PROBLEM


async def report_problem(
    repos: Repositories,
    telegram_id: int,
    *,
    text: str,
    photo_file_id: str | None,
    telegram_at: datetime,
    now: datetime,
) -> ProblemReport:
    driver = await registered_driver(repos, telegram_id)
    pending = await repos.pending.get(telegram_id)
    if pending is None or pending.kind != PROBLEM:
        raise ServiceRefused(Refusal.ILLEGAL_STEP, "no problem report started")
    trip = None
    if pending.assignment_id is not None:
        trip = await owned_trip(repos, telegram_id, pending.assignment_id)
    text = text.strip()[:MAX_PROBLEM_TEXT]
    async with repos.db.transaction():
        await repos.events.append(
            EventKind.PROBLEM,
            recorded_at=now,
            telegram_at=telegram_at,
            actor_telegram_id=telegram_id,
            assignment_id=None if trip is None else trip.assignment.id,
            driver_id=driver.id,
            payload={"text": text, "photo_file_id": photo_file_id},
        )
        resumed = await repos.pending.clear(telegram_id, PROBLEM)
    return ProblemReport(
        driver, trip, text, photo_file_id, None if resumed is None else resumed.kind
    )
