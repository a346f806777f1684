"""The day's codes from the database: the QR sheet (/qrsheet, ``ferryman qrsheet``) and
the evening pre-rendering of every image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clearance.service import ClearanceService, ImageJob
from bot.clearance.sheet import Sheet, SheetEntry, SheetLabels, page_count
from bot.domain.lifecycle import Status
from bot.domain.models import Place
from storage.repositories import Repositories


@dataclass(frozen=True, slots=True)
class DaySheet:
    service_date: date
    pdf: bytes
    codes: int
    pages: int


async def sheet_entries(
    repos: Repositories, service: ClearanceService, day: date, language: str | None = None
) -> list[SheetEntry]:
    """Every car of the day that still travels (cancelled ones are left off), by assignment;
    destinations named in ``language`` (the sheet's labels') where the settings name them so."""
    assignments = [a for a in await repos.assignments.for_day(day) if a.status != Status.CANCELLED]
    drivers = await repos.drivers.by_ids(sorted({a.driver_id for a in assignments if a.driver_id}))
    places = {p.id: p for p in await repos.places.all()}
    # Four queries for the whole day, however many trips it has (not one per assignment).
    vehicles = await repos.vehicles.for_day(day)
    entries: list[SheetEntry] = []
    for a in assignments:
        vehicle = vehicles.get(a.vehicle_id)
        if vehicle is None:  # pragma: no cover - the foreign key prevents it
            continue
        # A code not stored yet is the one generate() gives the driver: signing is deterministic.
        code = a.clearance_code or service.generate(a.id, vehicle.vin, a.service_date)
        driver = drivers.get(a.driver_id) if a.driver_id is not None else None
        destination = places.get(a.destination_place_id)
        entries.append(
            SheetEntry(
                assignment_id=a.id,
                code=code,
                vin=vehicle.vin,
                service_date=a.service_date,
                model=" ".join(part for part in (vehicle.model, vehicle.colour) if part),
                driver=driver.name if driver is not None else "",
                destination=_place_name(destination, language),
            )
        )
    return entries


def _place_name(place: Place | None, language: str | None) -> str:
    if place is None:
        return ""
    return place.name_in(language) if language else place.name


async def build_day_sheet(
    repos: Repositories,
    service: ClearanceService,
    day: date,
    labels: SheetLabels,
    language: str | None = None,
) -> DaySheet:
    entries = await sheet_entries(repos, service, day, language)
    pdf = await service.sheet_pdf(Sheet(tuple(entries), labels))
    return DaySheet(day, pdf, len(entries), page_count(entries))


async def prerender_day(repos: Repositories, service: ClearanceService, day: date) -> int:
    """The evening job: draw every image of ``day`` not cached yet; returns how many."""
    entries = await sheet_entries(repos, service, day)
    return await service.prerender(ImageJob(e.code, e.vin, e.service_date) for e in entries)
