"""Admin corrections as the phones see them: a mistaken crossing undone with /correct, and a
car cancelled after pickup brought back to the yard before the trip closes."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.lifecycle import Status
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import assign, dispatch, receive_assignment, state_of, tap

VIN = "LGXCE4CB7R0000001"


@pytest.fixture
async def setup(emulator: Emulator, start_ferryman: StartFerryman) -> Any:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    driver = await add_driver(app, pan, language="en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    return app, owner, pan, assignment.id, photo


async def _walk(pan: EmulatedUser, photo: Any, *labels: str) -> None:
    for label in labels:
        await tap(pan, photo, label)


async def test_an_admin_corrects_a_crossing_pressed_by_mistake(setup: Any) -> None:
    app, owner, pan, number, photo = setup
    await _walk(pan, photo, "✅ Accept", "🚗 Picked up the car", "🛂 Crossed the border")
    await pan.send("/me")
    assert "last 180 days: 1 of 90 used" in ((await pan.next_message()).text or "")

    await owner.send(f"/correct {number} pressed at the yard by mistake")

    assert "border crossing is withdrawn" in ((await owner.next_message()).text or "")
    told = (await pan.next_message()).text or ""
    assert f"corrected assignment #{number}" in told and "does not count" in told
    assert photo.buttons[0] == "🛂 Crossed the border"
    assert "Status: car picked up" in (photo.caption or "")
    await pan.send("/me")
    me = (await pan.next_message()).text or ""
    assert "last 180 days: 0 of 90 used" in me and "You are in China now" in me
    kinds = [e.kind for e in await state_of(app).repos.events.for_assignment(number)]
    assert kinds[-3:] == ["cross", "border_crossed", "correct_crossing"]


async def test_a_correction_that_does_not_fit_the_trip_is_refused_with_its_status(
    setup: Any,
) -> None:
    app, owner, pan, number, photo = setup
    await _walk(pan, photo, "✅ Accept")
    await owner.send(f"/correct {number}")
    assert f"Not possible: assignment #{number} is accepted." in (
        (await owner.next_message()).text or ""
    )
    await owner.send("/correct")
    assert "Usage: /correct NUMBER" in ((await owner.next_message()).text or "")
    await pan.send(f"/correct {number}")
    assert "for company admins" in ((await pan.next_message()).text or "")
    await pan.no_message()
    stored = await state_of(app).repos.assignments.get(number)
    assert stored is not None and stored.status is Status.ACCEPTED


async def test_a_car_cancelled_after_pickup_goes_back_to_the_yard_before_the_trip_closes(
    setup: Any,
) -> None:
    app, owner, pan, number, photo = setup
    state = state_of(app)
    await _walk(pan, photo, "✅ Accept", "🚗 Picked up the car")
    await owner.send(f"/cancel {number} buyer withdrew")
    assert "the driver has the car" in ((await owner.next_message()).text or "")

    told = (await pan.next_message()).text or ""
    assert "is cancelled" in told and "bring the car back to" in told
    assert "bring the car back to the yard" in (photo.caption or "")
    assert photo.buttons == ["⚠️ Problem"]
    await pan.send("/today")
    again, _, _ = await receive_assignment(pan)  # still the driver's trip
    assert "bring the car back to the yard" in (again.caption or "")

    await owner.send(f"/returned {number}")
    assert "Trip closed" in ((await owner.next_message()).text or "")
    assert "is back at" in ((await pan.next_message()).text or "")
    assert photo.buttons == []
    stored = await state.repos.assignments.get(number)
    assert stored is not None and stored.status is Status.CANCELLED
    await owner.send(f"/returned {number}")
    assert "is cancelled." in ((await owner.next_message()).text or "")
