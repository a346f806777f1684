"""Driver commands, problem reports and live locations, as the phone sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import Driver, ProofKind
from bot.state import FerrymanApp
from botapi_emulator import ChatMessage, EmulatedGroup, EmulatedUser, Emulator, sample_image
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import (
    assign,
    camera_photo,
    decode,
    dispatch,
    receive_assignment,
    state_of,
    tap,
)

VIN = "LGXCE4CB7R0000001"


async def _driver(app: FerrymanApp, user: EmulatedUser, language: str) -> Driver:
    # A passport valid for months after the day the tests run (FIXED_NOW, 2025-03-10).
    return await add_driver(app, user, language=language, passport_expiry=date(2025, 8, 1))


@pytest.fixture
async def setup(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, EmulatedUser, EmulatedGroup]:
    owner = emulator.user("Li Wei", lang="zh", started=True)
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=group.id)
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    return app, owner, pan, group


async def _press(user: EmulatedUser, message: ChatMessage, index: int = 0) -> None:
    await tap(user, message, message.buttons[index])


async def test_today_resends_the_qr_by_file_id(setup: Any) -> None:
    app, _, pan, _ = setup
    state = state_of(app)
    driver = await _driver(app, pan, "en")
    await pan.send("/today")
    assert "no assignment" in ((await pan.next_message()).text or "")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    first, _, _ = await receive_assignment(pan)
    await pan.send("/today")
    again, _, _ = await receive_assignment(pan)
    assert first.photo and again.photo
    assert again.photo[-1]["file_id"] == first.photo[-1]["file_id"]
    assert decode(again.file_bytes()) == [assignment.clearance_code]
    events = [e.kind for e in await state.repos.events.for_assignment(assignment.id)]
    assert events == ["created", "send", "resent"]


async def test_qr_file_button_sends_a_lossless_png(setup: Any) -> None:
    app, _, pan, _ = setup
    driver = await _driver(app, pan, "en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    await _press(pan, photo, index=2)
    document = await pan.next_message()
    assert document.document is not None
    assert document.document["file_name"] == f"QR-{VIN}.png"
    png = document.file_bytes()
    assert png.startswith(b"\x89PNG")
    assert decode(png) == [assignment.clearance_code]


async def test_me_shows_visa_days_and_passport_warning(setup: Any) -> None:
    app, _, pan, _ = setup
    driver = await _driver(app, pan, "en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(3):  # accept, picked up, crossed
        await _press(pan, photo)
    await pan.send("/me")
    me = (await pan.next_message()).text or ""
    assert "this stay: 1 of 30 used, 29 left" in me
    assert "last 180 days: 1 of 90 used, 89 left" in me
    assert "back in China by the end of Apr 8, 2025" in me
    assert "passport expires within 6 months" in me
    assert "•••••5678" in me and "E12345678" not in me


async def test_me_over_the_limit_shows_the_real_last_day_and_the_days_over(setup: Any) -> None:
    app, _, pan, _ = setup
    state = state_of(app)
    driver = await _driver(app, pan, "en")
    # 85 days in Kazakhstan this winter, then back in since 3 March; today is 10 March.
    history = [
        (EventKind.BORDER_CROSSED, datetime(2024, 11, 20, 4, tzinfo=UTC)),
        (EventKind.BORDER_RETURNED, datetime(2025, 2, 12, 10, tzinfo=UTC)),
        (EventKind.BORDER_CROSSED, datetime(2025, 3, 3, 4, tzinfo=UTC)),
    ]
    for kind, at in history:
        await state.repos.events.append(kind, recorded_at=at, driver_id=driver.id)
    await pan.send("/me")
    me = (await pan.next_message()).text or ""
    assert "last 180 days: 93 of 90 used, 0 left" in me
    assert "back in China by the end of Mar 7, 2025" in me
    assert "Days over: 3" in me


async def test_language_change_switches_replies_and_menu(setup: Any) -> None:
    app, _, pan, _ = setup
    await _driver(app, pan, "en")
    await pan.send("/language")
    choose = await pan.next_message()
    await tap(pan, choose, "Русский")
    assert "Язык" in ((await pan.next_message()).text or "")
    assert pan.menu_commands()[0]["description"] == "Рейс на сегодня и QR-код"
    await pan.send("/help")
    assert "Как это работает" in ((await pan.next_message()).text or "")


async def test_problem_with_text_and_with_photo_reaches_admins_and_group(setup: Any) -> None:
    app, owner, pan, group = setup
    state = state_of(app)
    driver = await _driver(app, pan, "en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    await _press(pan, photo)  # accept
    await _press(pan, photo, index=1)  # problem
    assert "What happened?" in ((await pan.next_message()).text or "")
    await pan.send("Flat tyre near Zharkent")
    added = await pan.next_message()
    assert "Added (1)" in (added.text or "")
    await tap(pan, added, "✅ Send")
    assert "Thank you" in ((await pan.next_message()).text or "")
    admin = await owner.next_message()
    assert "Flat tyre near Zharkent" in (admin.text or "") and VIN in (admin.text or "")
    assert "Flat tyre" in ((await group.next_message()).text or "")

    await pan.send("/problem")
    await pan.next_message()
    await pan.send_photo(sample_image(), caption="Scratch on the door")
    await tap(pan, await pan.next_message(), "✅ Send")
    assert "Thank you" in ((await pan.next_message()).text or "")
    summary, admin_photo = await owner.next_messages(2)
    assert "Scratch on the door" in (summary.text or "")
    assert admin_photo.photo and "Scratch on the door" in (admin_photo.caption or "")
    assert "Scratch on the door" in ((await group.next_message()).text or "")
    problems = [e for e in await state.repos.events.for_driver(driver.id) if e.kind == "problem"]
    assert [p.payload["text"] for p in problems] == [
        "Flat tyre near Zharkent",
        "Scratch on the door",
    ]
    stored = await state.repos.assignments.get(assignment.id)
    assert stored is not None and stored.status is Status.ACCEPTED  # a problem ends nothing


async def test_live_location_is_accepted_and_its_moves_tracked(setup: Any) -> None:
    app, _, pan, _ = setup
    state = state_of(app)
    driver = await _driver(app, pan, "en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await _press(pan, photo)
    for shot in range(3):
        await pan.next_message()
        await pan.send_photo(camera_photo(shot))
    await pan.next_message()  # share your location
    live = await pan.start_live_location(44.1632, 80.0021, horizontal_accuracy=15)
    assert "Delivered" in ((await pan.next_message()).text or "")
    await live.move(44.1640, 80.0030)
    await live.move(44.1650, 80.0040)
    await pan.no_message(within=0.3)  # moves are recorded quietly
    locations = [
        p
        for p in await state.repos.proofs.for_assignment(assignment.id)
        if p.kind is ProofKind.LOCATION
    ]
    assert len(locations) == 3 and all(p.live for p in locations)
    distances = [p.distance_m or 0.0 for p in locations]
    assert distances[0] < distances[1] < distances[2]


async def test_a_stale_file_id_falls_back_to_uploading_the_qr(setup: Any) -> None:
    app, _, pan, _ = setup
    state = state_of(app)
    driver = await _driver(app, pan, "en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await state.clearance.remember_file_id(assignment.clearance_code, "AgAC-no-such-file")
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    assert decode(photo.file_bytes()) == [assignment.clearance_code]
    assert await state.clearance.cached_file_id(assignment.clearance_code) != "AgAC-no-such-file"
