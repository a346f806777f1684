"""Defects found by hostile testing, as a driver would meet them (regression tests)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.domain.models import DriverStatus
from bot.state import FerrymanApp
from botapi_emulator import ChatMessage, EmulatedGroup, EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import (
    assign,
    camera_photo,
    dispatch,
    invite,
    receive_assignment,
    state_of,
    tap,
)

VIN = "LGXCE4CB7R0000001"


@pytest.fixture
async def setup(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, EmulatedUser, EmulatedGroup]:
    owner = emulator.user("Li Wei", lang="en", started=True)
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=group.id)
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    return app, owner, pan, group


async def _press(user: EmulatedUser, message: ChatMessage, index: int = 0) -> None:
    await tap(user, message, message.buttons[index])


async def test_problem_mid_delivery_is_reported_and_the_checklist_resumes(setup: Any) -> None:
    app, owner, pan, _ = setup
    state = state_of(app)
    driver = await add_driver(app, pan, language="en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await _press(pan, photo)
    assert "Photo 1 of 3" in ((await pan.next_message()).text or "")
    await pan.send_photo(camera_photo(1))
    assert "Photo 2 of 3" in ((await pan.next_message()).text or "")

    await pan.send("/problem")
    assert "What happened?" in ((await pan.next_message()).text or "")
    await pan.send("The lot gate is locked")
    await tap(pan, await pan.next_message(), "✅ Send")
    assert "Thank you" in ((await pan.next_message()).text or "")
    # The checklist goes on where it stopped.
    assert "Photo 2 of 3" in ((await pan.next_message()).text or "")
    assert "The lot gate is locked" in ((await owner.next_message()).text or "")
    problems = [
        e for e in await state.repos.events.for_driver(driver.id) if e.kind is EventKind.PROBLEM
    ]
    assert [p.payload["text"] for p in problems] == ["The lot gate is locked"]

    await pan.send_photo(camera_photo(2))
    assert "Photo 3 of 3" in ((await pan.next_message()).text or "")


async def test_suspended_driver_gets_no_qr_and_cannot_press_buttons(setup: Any) -> None:
    app, _, pan, _ = setup
    state = state_of(app)
    driver = await add_driver(app, pan, language="en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    await state.repos.drivers.set_status(driver.id, DriverStatus.SUSPENDED)

    await pan.send("/today")
    reply = await pan.next_message()
    assert "suspended" in (reply.text or "") and not reply.photo
    answer = await pan.press(photo, photo.buttons[0])  # accept
    assert "suspended" in str(await answer.answer())
    stored = await state.repos.assignments.get(assignment.id)
    assert stored is not None and stored.status is Status.SENT


async def test_a_name_sent_twice_is_not_taken_as_the_passport_number(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    ivan = emulator.user("Ivan Petrov", lang="en", phone="+77010000001")
    token = await invite(owner, "Ivan")
    await ivan.send(f"/start {token}")
    await tap(ivan, await ivan.next_message(), "English")
    phone_prompt = await ivan.next_message()
    await ivan.press(phone_prompt, "📱 Share my phone number")
    assert "full name" in ((await ivan.next_message()).text or "")

    await ivan.send("Ivan Petrov")
    await ivan.send("Ivan Petrov")  # a double tap, or a resend after no answer
    assert "passport number" in ((await ivan.next_message()).text or "")
    await ivan.no_message()  # the repeat is not an answer, and needs none of its own
    registration = await state_of(app).repos.registrations.get(ivan.id)
    assert registration is not None and "passport_number" not in registration.data
    # Even long after, a name is not a passport number: passport numbers have digits.
    await ivan.send("IVANPETROV")
    assert "does not look like a passport number" in ((await ivan.next_message()).text or "")
    await ivan.next_message()  # the question again
    await ivan.send("N12345678")
    assert "expiry" in ((await ivan.next_message()).text or "")


async def test_a_checklist_photo_sent_twice_is_filed_once(setup: Any) -> None:
    app, _, pan, _ = setup
    state = state_of(app)
    driver = await add_driver(app, pan, language="en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await _press(pan, photo)
    assert "Photo 1 of 3" in ((await pan.next_message()).text or "")
    sent = await pan.send_photo(camera_photo(7))
    await pan.resend(sent)  # the same photo again: a double tap
    replies = sorted(m.text or "" for m in await pan.next_messages(2))
    assert replies[0].startswith("Photo 2 of 3") and replies[1] == "This photo is already filed."
    await pan.no_message()
    proofs = await state.repos.proofs.for_assignment(assignment.id)
    assert [p.checklist_item for p in proofs] == ["vin_plate"]
