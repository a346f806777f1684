"""The service with a real database: images, caching, file ids, verification, the day sheet."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clearance.messages import verification_text
from bot.clearance.printing import build_day_sheet, prerender_day, sheet_entries
from bot.clearance.render import RENDER_VERSION
from bot.clearance.service import ClearanceService
from bot.clearance.sheet import SheetLabels
from bot.clearance.token import Refusal, sign
from bot.clearance.verification import no_qr_found, record_verification, verify_code
from bot.domain.lifecycle import Status
from bot.domain.models import ClearanceKind
from bot.i18n import Translator
from storage.migrations import LATEST_VERSION
from storage.repositories import Repositories
from tests.clearance.conftest import World
from tests.clearance.helpers import (
    EXPIRES,
    NOW,
    SERVICE_DATE,
    clearance_settings,
    decode,
    keyring,
    telegram_photo,
    vin,
)
from tests.clearance.test_sheet import pdf_codes

ENGLISH = Translator.load("en")
HORGOS = ZoneInfo("Asia/Shanghai")


async def test_image_renders_in_a_worker_and_is_cached_on_disk(
    service: ClearanceService, tmp_path: Path
) -> None:
    code = service.generate(1, vin(1), SERVICE_DATE)
    first, second = await asyncio.gather(
        service.image(code, vin(1), SERVICE_DATE), service.image(code, vin(1), SERVICE_DATE)
    )
    assert first == second
    assert decode(first) == [code]
    assert len(list((tmp_path / "qr-cache").rglob("*.png"))) == 1
    # A new service (a restart) finds the picture on disk instead of drawing it again.
    again = ClearanceService(clearance_settings(), cache_dir=tmp_path / "qr-cache", workers=1)
    try:
        assert await again.prerender([(code, vin(1), SERVICE_DATE)]) == 0
        assert await again.image(code, vin(1), SERVICE_DATE) == first
    finally:
        await again.close()


async def test_prerender_draws_only_what_is_missing(service: ClearanceService) -> None:
    jobs = [
        (service.generate(i, vin(i), SERVICE_DATE), vin(i), SERVICE_DATE) for i in range(1, 31)
    ]
    assert await service.prerender(jobs) == 30
    assert await service.prerender(jobs + jobs[:3]) == 0
    code, v, day = jobs[17]
    assert decode(telegram_photo(await service.image(code, v, day))) == [code]


async def test_file_ids_are_remembered_in_the_database(
    service: ClearanceService, repos: Repositories
) -> None:
    assert LATEST_VERSION >= 3
    assert await service.cached_file_id("FM1.x") is None
    await service.remember_file_id("FM1.x", "AgAD-1")
    await service.remember_file_id("FM1.x", "AgAD-2")
    assert await service.cached_file_id("FM1.x") == "AgAD-2"
    # A new renderer draws a new picture: older file ids are not reused for it.
    assert await repos.clearance_images.file_id("FM1.x", RENDER_VERSION + 1) is None
    await service.forget_file_id("FM1.x")
    assert await service.cached_file_id("FM1.x") is None
    in_memory = ClearanceService(clearance_settings())
    await in_memory.remember_file_id("c", "f")
    assert await in_memory.cached_file_id("c") == "f"


async def test_a_generated_code_round_trips_through_a_photo_to_a_verdict(world: World) -> None:
    a = await world.assignment(1)
    png = await world.service.image(a.clearance_code, vin(1), SERVICE_DATE)
    (scanned,) = await world.service.decode(telegram_photo(png))
    v = await verify_code(world.repos, world.service, scanned, NOW)
    assert v.ok, v.refusal
    assert v.kind is ClearanceKind.GENERATED
    assert v.assignment is not None and v.assignment.id == a.id
    assert v.driver is not None and v.driver.name == "Ерлан Серикович"
    text = verification_text(ENGLISH, "en", v, HORGOS)
    assert text.startswith("✅")
    assert vin(1) in text and "Ерлан Серикович" in text and "Almaty delivery lot" in text
    assert "Valid until Dec 2, 2026, 00:00 (UTC+8)" in text


async def test_an_imported_code_verifies_by_lookup(world: World) -> None:
    code = "KZ-CUSTOMS 000981/2026"
    a = await world.assignment(2, imported=code)
    png = await world.service.image(code, vin(2), SERVICE_DATE)
    (scanned,) = await world.service.decode(telegram_photo(png))
    v = await verify_code(world.repos, world.service, scanned, NOW)
    assert v.ok and v.kind is ClearanceKind.IMPORTED and v.assignment is not None
    assert v.assignment.id == a.id
    unknown = await verify_code(world.repos, world.service, "KZ-CUSTOMS 000000/2026", NOW)
    assert unknown.refusal is Refusal.UNKNOWN_CODE
    await world.repos.assignments.set_status(a, Status.CANCELLED, NOW)
    cancelled = await verify_code(world.repos, world.service, code, NOW)
    assert cancelled.refusal is Refusal.CANCELLED


async def test_every_refusal_has_its_reason(world: World) -> None:
    repos, service = world.repos, world.service
    a = await world.assignment(3)
    b = await world.assignment(4)

    async def refusal(code: str) -> Refusal | None:
        return (await verify_code(repos, service, code, NOW)).refusal

    forged = a.clearance_code[:-3] + ("AAA" if not a.clearance_code.endswith("AAA") else "BBB")
    assert await refusal(forged) is Refusal.BAD_SIGNATURE
    assert await refusal("FM1.k1.broken") is Refusal.MALFORMED
    assert await refusal("  ") is Refusal.MALFORMED
    other_key = sign(keyring("k7", k7="x" * 20), a.id, vin(3), SERVICE_DATE, EXPIRES)
    assert await refusal(other_key) is Refusal.UNKNOWN_KEY
    assert await refusal(service.generate(999, vin(3), SERVICE_DATE)) is Refusal.UNKNOWN_ASSIGNMENT
    assert await refusal(service.generate(a.id, vin(4), SERVICE_DATE)) is Refusal.VIN_MISMATCH
    next_day = SERVICE_DATE.replace(day=SERVICE_DATE.day - 1)
    assert await refusal(service.generate(a.id, vin(3), next_day)) is Refusal.DATE_MISMATCH
    rotated = ClearanceService(clearance_settings("k2", k1="q" * 20, k2="w" * 20))
    assert await refusal(a.clearance_code) is None
    # The assignment was given a new code (here: under a rotated key); the old one is void.
    new_code = rotated.generate(a.id, vin(3), SERVICE_DATE)
    await repos.assignments.set_clearance(a.id, new_code, ClearanceKind.GENERATED, NOW)
    assert await refusal(a.clearance_code) is Refusal.SUPERSEDED

    expired = await verify_code(repos, service, b.clearance_code, EXPIRES)
    assert expired.refusal is Refusal.EXPIRED
    text = verification_text(ENGLISH, "en", expired, HORGOS)
    assert "❌" in text and "Dec 2, 2026, 00:00 (UTC+8)" in text
    assert "service date Nov 30, 2026" in text

    await repos.assignments.set_status(b, Status.CANCELLED, NOW)
    assert await refusal(b.clearance_code) is Refusal.CANCELLED
    assert "❌" in verification_text(ENGLISH, "en", no_qr_found(), HORGOS)


async def test_checks_go_into_the_audit_trail(world: World) -> None:
    a = await world.assignment(5)
    v = await verify_code(world.repos, world.service, a.clearance_code, NOW)
    await record_verification(world.repos, v, 777, NOW)
    await record_verification(world.repos, no_qr_found(), 777, NOW)
    async with world.repos.db.conn.execute(
        "SELECT kind, actor_telegram_id, assignment_id FROM events WHERE kind LIKE 'clearance%'"
        " ORDER BY id"
    ) as cur:
        rows = [tuple(row) async for row in cur]
    assert rows == [("clearance_verified", 777, a.id), ("clearance_refused", 777, None)]


async def test_the_day_sheet_holds_every_live_car_and_scans(world: World) -> None:
    kept = [await world.assignment(10), await world.assignment(11, imported="KZ-77")]
    unassigned = await world.assignment(12, driver=False)
    cancelled = await world.assignment(13)
    await world.repos.assignments.set_status(cancelled, Status.CANCELLED, NOW)
    # A car whose code was never stored gets the code generate() gives the driver.
    await world.repos.assignments.set_clearance(unassigned.id, "", ClearanceKind.GENERATED, NOW)
    entries = await sheet_entries(world.repos, world.service, SERVICE_DATE)
    assert [e.assignment_id for e in entries] == [kept[0].id, kept[1].id, unassigned.id]
    assert entries[2].code == world.service.generate(unassigned.id, vin(12), SERVICE_DATE)
    assert entries[0].model == "BYD Han white" and entries[2].driver == ""
    # The sticker names the lot as the sheet's reader does (the labels' language).
    chinese = await sheet_entries(world.repos, world.service, SERVICE_DATE, "zh")
    assert entries[0].destination == "Almaty delivery lot"
    assert chinese[0].destination == "阿拉木图交车场"
    sheet = await build_day_sheet(world.repos, world.service, SERVICE_DATE, SheetLabels())
    assert (sheet.codes, sheet.pages) == (3, 1)
    assert sorted(pdf_codes(sheet.pdf)[1]) == sorted(e.code for e in entries)
    empty = await build_day_sheet(world.repos, world.service, date(2030, 1, 1), SheetLabels())
    assert empty.codes == 0
    # The evening job draws the same three images, once.
    assert await prerender_day(world.repos, world.service, SERVICE_DATE) == 3
    assert await prerender_day(world.repos, world.service, SERVICE_DATE) == 0


async def test_the_day_sheet_reads_the_day_in_a_few_queries_however_many_trips(
    world: World,
) -> None:
    for number in range(20, 60):
        await world.assignment(number)
    statements: list[str] = []
    await world.repos.db.conn.set_trace_callback(statements.append)
    try:
        entries = await sheet_entries(world.repos, world.service, SERVICE_DATE)
    finally:
        await world.repos.db.conn.set_trace_callback(lambda _statement: None)
    assert len(entries) == 40
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 4
