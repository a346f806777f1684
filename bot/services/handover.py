"""Receiver sign-off: after the driver's proof, a one-time link for the person at the lot, who
confirms the car ("Received") or reports a problem with it. Nobody has to register."""

from __future__ import annotations

import asyncio
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import qrcode

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import Proof, ProofKind
from bot.domain.pending import InputKind
from bot.services.trips import Trip, load_trip
from storage.repositories import Repositories
from storage.repositories.handovers import Handover

# Deep-link payloads are at most 64 characters of A-Za-z0-9_-; this prefix tells them apart
# from driver and staff invitations.
LINK_PREFIX = "rcv-"
MAX_NOTE = 1000


class Outcome(StrEnum):
    RECEIVED = "received"
    PROBLEM = "problem"


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class OpenHandover:
    """What the receiver sees: the trip and the proof photos, or why the link does not work."""

    handover: Handover | None
    trip: Trip | None
    photos: tuple[Proof, ...] = ()
    problem: LinkProblem | None = None


def handover_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def qr_png(link: str) -> bytes:
    """The link as a QR image a phone camera opens (CPU work: call it in a thread)."""
    image = qrcode.make(link, box_size=10, border=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def offer_handover(
    repos: Repositories, trip: Trip, now: datetime, valid_hours: int
) -> Handover:
    """A fresh one-time link for a delivered trip."""
    token = LINK_PREFIX + secrets.token_urlsafe(18)
    async with repos.db.transaction():
        handover = await repos.handovers.add(
            token, trip.assignment.id, now, now + timedelta(hours=valid_hours)
        )
        await repos.events.append(
            EventKind.HANDOVER_OFFERED,
            recorded_at=now,
            actor_telegram_id=None if trip.driver is None else trip.driver.telegram_id,
            assignment_id=trip.assignment.id,
            driver_id=trip.assignment.driver_id,
        )
    return handover


async def open_handover(repos: Repositories, token: str, now: datetime) -> OpenHandover:
    handover = await repos.handovers.get(token)
    trip = None if handover is None else await load_trip(repos, handover.assignment_id)
    if handover is None or trip is None or trip.assignment.status is not Status.DELIVERED:
        return OpenHandover(None, None, problem=LinkProblem.UNKNOWN)
    if handover.answered:
        return OpenHandover(handover, trip, problem=LinkProblem.USED)
    if now >= handover.expires_at:
        return OpenHandover(handover, trip, problem=LinkProblem.EXPIRED)
    proofs = await repos.proofs.for_assignment(trip.assignment.id)
    photos = tuple(
        p for p in proofs if p.kind is ProofKind.PHOTO and p.stage == "delivery" and p.file_id
    )
    return OpenHandover(handover, trip, photos)


async def answer_handover(
    repos: Repositories,
    token: str,
    *,
    telegram_id: int,
    name: str,
    username: str | None,
    outcome: Outcome,
    now: datetime,
) -> OpenHandover:
    """Records who answered and how; the link works once (a second answer is refused)."""
    opened = await open_handover(repos, token, now)
    if opened.problem is not None or opened.handover is None or opened.trip is None:
        return opened
    trip = opened.trip
    async with repos.db.transaction():
        if not await repos.handovers.answer(token, telegram_id, name, outcome.value, now):
            return OpenHandover(opened.handover, trip, problem=LinkProblem.USED)
        kind = (
            EventKind.RECEIVER_CONFIRMED
            if outcome is Outcome.RECEIVED
            else EventKind.RECEIVER_PROBLEM
        )
        await repos.events.append(
            kind,
            recorded_at=now,
            actor_telegram_id=telegram_id,
            assignment_id=trip.assignment.id,
            driver_id=trip.assignment.driver_id,
            payload={"receiver": name, "username": username or "", "telegram_id": telegram_id},
        )
        if outcome is Outcome.PROBLEM:
            # The receiver's next message describes what is wrong with the car.
            await repos.pending.set(
                telegram_id,
                InputKind.RECEIVER_NOTE,
                trip.assignment.id,
                now,
                data={"token": token},
            )
    return opened


async def record_note(
    repos: Repositories,
    telegram_id: int,
    *,
    text: str,
    photo_file_id: str | None,
    now: datetime,
) -> Trip | None:
    """The receiver's description of the problem; None when none was asked for."""
    pending = await repos.pending.get(telegram_id)
    if pending is None or pending.kind != InputKind.RECEIVER_NOTE or pending.assignment_id is None:
        return None
    trip = await load_trip(repos, pending.assignment_id)
    if trip is None:
        await repos.pending.clear(telegram_id, InputKind.RECEIVER_NOTE)
        return None
    async with repos.db.transaction():
        await repos.events.append(
            EventKind.RECEIVER_PROBLEM,
            recorded_at=now,
            actor_telegram_id=telegram_id,
            assignment_id=trip.assignment.id,
            driver_id=trip.assignment.driver_id,
            payload={"note": text.strip()[:MAX_NOTE], "photo_file_id": photo_file_id},
        )
        await repos.pending.clear(telegram_id, InputKind.RECEIVER_NOTE)
    return trip


async def render_qr(link: str) -> bytes:
    return await asyncio.to_thread(qr_png, link)
