from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.clearance import ClearanceService
from bot.domain.models import Driver
from bot.services.assignments import NewAssignment, create_assignment
from bot.services.trips import Trip, load_trip
from storage.repositories import Repositories

NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 08:30 in Horgos
SERVICE_DATE = date(2026, 11, 30)
VIN = "LGXCE4CB7R0000001"  # BYD-style (WMI LGX); position 9 is its check digit
VIN_2 = "LRWYGCEK2PC000002"  # Tesla Shanghai-style (WMI LRW)


async def add_driver(repos: Repositories, telegram_id: int, language: str = "zh") -> Driver:
    return await repos.drivers.add(
        name=f"Driver {telegram_id}",
        now=NOW,
        telegram_id=telegram_id,
        phone="+8613800000000",
        passport_number="E12345678",
        passport_expiry=date(2031, 1, 1),
        language=language,
    )


async def add_trip(
    repos: Repositories,
    clearance: ClearanceService,
    driver: Driver | None,
    vin: str = VIN,
    destination: str = "zharkent-lot",
) -> Trip:
    assignment = await create_assignment(
        repos,
        clearance,
        NewAssignment(
            service_date=SERVICE_DATE,
            vin=vin,
            model="BYD Song Plus",
            colour="white",
            pickup_code="horgos-yard",
            destination_code=destination,
            pickup_at=NOW,
            deliver_by=NOW + timedelta(hours=8),
            driver_id=None if driver is None else driver.id,
            receiver_name="Aibek",
            receiver_phone="+77010000000",
        ),
        NOW,
    )
    trip = await load_trip(repos, assignment.id)
    assert trip is not None
    return trip
