"""Checking a presented code against the database: the answer /verify gives at the gate.

A generated code must carry a good signature under a known key, not be expired, and match its
assignment: the assignment exists, is not cancelled, its car has the VIN and its date the
service date the code names, and it has not been given a different code since. An imported
code verifies by lookup: some assignment holds exactly this text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clearance.service import ClearanceService
from bot.clearance.token import Claims, Refusal, looks_like_token
from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import Assignment, ClearanceKind, Driver, Place, Vehicle
from storage.repositories import Repositories


@dataclass(frozen=True, slots=True)
class Verification:
    code: str
    refusal: Refusal | None
    detail: str = ""
    kind: ClearanceKind | None = None
    claims: Claims | None = None
    assignment: Assignment | None = None
    vehicle: Vehicle | None = None
    driver: Driver | None = None
    pickup: Place | None = None
    destination: Place | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class _Trip:
    assignment: Assignment
    vehicle: Vehicle | None
    driver: Driver | None
    pickup: Place | None
    destination: Place | None


async def _load(repos: Repositories, assignment: Assignment) -> _Trip:
    driver_id = assignment.driver_id
    driver = None if driver_id is None else await repos.drivers.get(driver_id)
    return _Trip(
        assignment=assignment,
        vehicle=await repos.vehicles.get(assignment.vehicle_id),
        driver=driver,
        pickup=await repos.places.get(assignment.pickup_place_id),
        destination=await repos.places.get(assignment.destination_place_id),
    )


def _result(
    code: str,
    refusal: Refusal | None,
    trip: _Trip,
    kind: ClearanceKind,
    claims: Claims | None = None,
    detail: str = "",
) -> Verification:
    return Verification(
        code=code,
        refusal=refusal,
        detail=detail,
        kind=kind,
        claims=claims,
        assignment=trip.assignment,
        vehicle=trip.vehicle,
        driver=trip.driver,
        pickup=trip.pickup,
        destination=trip.destination,
    )


async def _verify_imported(repos: Repositories, code: str) -> Verification:
    ids = await repos.clearance_images.assignments_with_code(code)
    assignments = [a for a in [await repos.assignments.get(i) for i in ids] if a is not None]
    if not assignments:
        return Verification(code, Refusal.UNKNOWN_CODE)
    # A code moved to a new assignment after a cancellation: the live one answers.
    live = [a for a in assignments if a.status is not Status.CANCELLED]
    chosen = live[0] if live else assignments[0]
    trip = await _load(repos, chosen)
    refusal = None if live else Refusal.CANCELLED
    return _result(code, refusal, trip, ClearanceKind.IMPORTED)


async def verify_code(
    repos: Repositories, service: ClearanceService, raw: str, now: datetime
) -> Verification:
    """The full check of a code typed or scanned at the gate."""
    code = raw.strip()
    if not code:
        return Verification(code, Refusal.MALFORMED, "empty")
    if not looks_like_token(code):
        return await _verify_imported(repos, code)
    check = service.verify_token(code, now)
    claims = check.claims
    if claims is None:
        # Nothing in an unsigned token can be trusted, so nothing is looked up.
        assert check.refusal is not None
        return Verification(code, check.refusal, check.detail, ClearanceKind.GENERATED)
    assignment = await repos.assignments.get(claims.assignment_id)
    if assignment is None:
        return Verification(
            code, Refusal.UNKNOWN_ASSIGNMENT, kind=ClearanceKind.GENERATED, claims=claims
        )
    trip = await _load(repos, assignment)
    refusal: Refusal | None = None
    if assignment.status is Status.CANCELLED:
        refusal = Refusal.CANCELLED
    elif trip.vehicle is None or trip.vehicle.vin != claims.vin:
        refusal = Refusal.VIN_MISMATCH
    elif assignment.service_date != claims.service_date:
        refusal = Refusal.DATE_MISMATCH
    elif assignment.clearance_code and assignment.clearance_code != code:
        refusal = Refusal.SUPERSEDED
    elif check.refusal is not None:
        refusal = check.refusal  # expired: reported last, after what the database says
    return _result(code, refusal, trip, ClearanceKind.GENERATED, claims, check.detail)


def no_qr_found() -> Verification:
    """The answer for a photo in which no QR code could be read."""
    return Verification("", Refusal.NO_QR)


async def record_verification(
    repos: Repositories, v: Verification, actor_telegram_id: int, now: datetime
) -> None:
    """Every check at the gate goes into the audit trail, passed or refused."""
    await repos.events.append(
        EventKind.CLEARANCE_VERIFIED if v.ok else EventKind.CLEARANCE_REFUSED,
        recorded_at=now,
        actor_telegram_id=actor_telegram_id,
        assignment_id=v.assignment.id if v.assignment is not None else None,
        driver_id=v.driver.id if v.driver is not None else None,
        payload={
            "refusal": v.refusal.value if v.refusal is not None else None,
            "kind": v.kind.value if v.kind is not None else None,
            # A prefix identifies the code in the log without storing a usable copy of it.
            "code_prefix": v.code[:24],
        },
    )
