from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clearance.service import ClearanceService
from bot.config import PlaceSettings
from bot.domain.models import Assignment, ClearanceKind, Driver
from storage.db import Database
from storage.repositories import Repositories
from tests.clearance.helpers import NOW, SERVICE_DATE, clearance_settings, vin

PLACES = (
    PlaceSettings("horgos-yard", "Horgos Export Vehicle Yard", "yard", 44.214, 80.408),
    PlaceSettings(
        "almaty-lot", "Almaty delivery lot", "lot", 43.3, 76.9, names={"zh": "阿拉木图交车场"}
    ),
)


@pytest.fixture
async def repos(tmp_path: Path) -> AsyncIterator[Repositories]:
    db = await Database.open(tmp_path / "db.sqlite3")
    repositories = Repositories.build(db)
    await repositories.places.sync(PLACES)
    yield repositories
    await db.close()


@pytest.fixture
async def service(repos: Repositories, tmp_path: Path) -> AsyncIterator[ClearanceService]:
    svc = ClearanceService(
        clearance_settings(),
        images=repos.clearance_images,
        cache_dir=tmp_path / "qr-cache",
        workers=1,
    )
    yield svc
    await svc.close()


@dataclass
class World:
    repos: Repositories
    service: ClearanceService
    driver: Driver

    async def assignment(
        self, serial: int, *, imported: str = "", driver: bool = True, model: str = "BYD Han"
    ) -> Assignment:
        vehicle = await self.repos.vehicles.upsert(vin(serial), model, "white")
        yard = await self.repos.places.by_code("horgos-yard")
        lot = await self.repos.places.by_code("almaty-lot")
        assert yard is not None and lot is not None
        created = await self.repos.assignments.create(
            service_date=SERVICE_DATE,
            vehicle_id=vehicle.id,
            pickup_place_id=yard.id,
            destination_place_id=lot.id,
            pickup_at=NOW,
            deliver_by=NOW + timedelta(hours=8),
            now=NOW,
            driver_id=self.driver.id if driver else None,
            clearance_code=imported,
            clearance_kind=ClearanceKind.IMPORTED if imported else ClearanceKind.GENERATED,
        )
        if not imported:
            code = self.service.generate(created.id, vehicle.vin, SERVICE_DATE)
            await self.repos.assignments.set_clearance(
                created.id, code, ClearanceKind.GENERATED, NOW
            )
        found = await self.repos.assignments.get(created.id)
        assert found is not None
        return found


@pytest.fixture
async def world(repos: Repositories, service: ClearanceService) -> World:
    driver = await repos.drivers.add(name="Ерлан Серикович", now=NOW, telegram_id=501)
    return World(repos, service, driver)
