"""Creating assignments and giving each its clearance code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clearance import ClearanceService
from bot.clearance.codes import check_imported
from bot.domain.events import EventKind
from bot.domain.models import Assignment, ClearanceKind
from storage.repositories import Repositories


class UnknownPlace(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unknown place {code!r}")


@dataclass(frozen=True, slots=True)
class NewAssignment:
    service_date: date
    vin: str
    pickup_code: str
    destination_code: str
    pickup_at: datetime
    deliver_by: datetime
    model: str = ""
    colour: str = ""
    driver_id: int | None = None
    receiver_name: str = ""
    receiver_phone: str = ""
    imported_code: str | None = None


async def create_assignment(
    repos: Repositories, clearance: ClearanceService, new: NewAssignment, now: datetime
) -> Assignment:
    """Stores the car and the trip; the code is the customs one or a freshly signed one."""
    pickup = await repos.places.by_code(new.pickup_code)
    if pickup is None:
        raise UnknownPlace(new.pickup_code)
    destination = await repos.places.by_code(new.destination_code)
    if destination is None:
        raise UnknownPlace(new.destination_code)
    if new.imported_code is not None:
        check_imported(new.imported_code)  # kept verbatim, so refused rather than "fixed"
    async with repos.db.transaction():
        vehicle = await repos.vehicles.upsert(new.vin, new.model, new.colour)
        assignment = await repos.assignments.create(
            service_date=new.service_date,
            vehicle_id=vehicle.id,
            pickup_place_id=pickup.id,
            destination_place_id=destination.id,
            pickup_at=new.pickup_at,
            deliver_by=new.deliver_by,
            now=now,
            driver_id=new.driver_id,
            receiver_name=new.receiver_name,
            receiver_phone=new.receiver_phone,
            clearance_code=new.imported_code or "",
            clearance_kind=(
                ClearanceKind.IMPORTED if new.imported_code else ClearanceKind.GENERATED
            ),
        )
        if not new.imported_code:
            code = clearance.generate(assignment.id, vehicle.vin, new.service_date)
            await repos.assignments.set_clearance(
                assignment.id, code, ClearanceKind.GENERATED, now
            )
        await repos.events.append(
            EventKind.CREATED,
            recorded_at=now,
            assignment_id=assignment.id,
            driver_id=new.driver_id,
            payload={"vin": vehicle.vin, "service_date": new.service_date.isoformat()},
        )
    created = await repos.assignments.get(assignment.id)
    assert created is not None
    return created
