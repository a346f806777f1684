"""/assign, /reassign and /cancel as the dispatcher and the drivers see them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from bot.state import FerrymanApp
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver, until
from tests.e2e.helpers import dispatch, receive_assignment, state_of, tap
from tests.services.manifest_helpers import make_vin

DAY = FIXED_NOW.date()
CHECKPOINT_ID = 900_000_079


@pytest.fixture
async def office(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, EmulatedUser, EmulatedUser]:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(
        owners=(owner.id,), extra={"clearance": {"checkpoint_users": [CHECKPOINT_ID]}}
    )
    pan = emulator.user("Pan Guangde", lang="zh", started=True)
    marat = emulator.user("Marat Ospanov", lang="ru", started=True)
    await add_driver(app, pan, "潘广德", "8613900000001")
    await add_driver(app, marat, "Марат", "+77011234567", language="ru")
    return app, owner, pan, marat


async def test_assign_then_reassign_a_sent_trip(office: Any) -> None:
    app, owner, pan, marat = office
    await owner.send(f"/assign 13900000001 {make_vin(1)} zharkent-lot 2025-03-10 10:00")
    reply = (await owner.next_message()).text or ""
    assert reply.startswith(f"✅ Trip #1: 潘广德, {make_vin(1)} → Zharkent delivery lot")
    assert "pickup Mar 10, 2025, 10:00 (UTC+8), deliver by Mar 10, 2025, 19:00 (UTC+8)" in reply
    await owner.send(f"/assign 潘广德 {make_vin(2)} Zharkent delivery lot")
    assert "潘广德 already has trip #1 on 2025-03-10" in ((await owner.next_message()).text or "")

    trip = await state_of(app).repos.assignments.get(1)
    assert trip is not None
    await dispatch(app, trip)
    pans_copy, _, _ = await receive_assignment(pan)
    await owner.send("/reassign 1 Марат")
    assert (await owner.next_message()).text == (
        "✅ Trip #1 is now Марат's. It has been sent to them; the previous driver's copy says so."
    )
    photo = await marat.next_message()  # the QR with the trip (pins come with "📍 Map")
    assert "№1" in (photo.caption or "") and photo.buttons
    # The old copy's edit goes out through the outbox too, paced at one a second per chat.
    await until(lambda: (pans_copy.caption or "").startswith("↪️"))
    assert (pans_copy.caption or "").startswith("↪️ 派车单 #1") and not pans_copy.buttons
    updated = await state_of(app).repos.assignments.get(1)
    assert updated is not None and updated.status is Status.SENT
    kinds = [e.kind for e in await state_of(app).repos.events.for_assignment(1)]
    assert EventKind.REASSIGN in kinds


async def test_cancel_tells_the_driver_and_the_code_stops_verifying(office: Any) -> None:
    app, owner, pan, _ = office
    await owner.send(f"/assign 13900000001 {make_vin(1)} zharkent-lot")
    await owner.next_message()
    trip = await state_of(app).repos.assignments.get(1)
    assert trip is not None
    await dispatch(app, trip)
    copy, _, _ = await receive_assignment(pan)
    await owner.send("/cancel 1 customs paperwork missing")
    assert (await owner.next_message()).text == (
        f"✅ Trip #1 ({make_vin(1)}) is cancelled; its clearance code no longer passes /verify."
    )
    await state_of(app).outbox.idle()
    told = (await pan.next_message()).text or ""
    assert told.startswith("❌ 派车单 #1") and "customs paperwork missing" in told
    assert not copy.buttons or copy.buttons == ["🖼 二维码原图"]
    await owner.send(f"/verify {trip.clearance_code}")
    assert ((await owner.next_message()).text or "").startswith("❌")
    await owner.send("/cancel 1")
    assert "Not possible: assignment #1 is" in ((await owner.next_message()).text or "")


async def test_usage_and_unknown_trips(office: Any) -> None:
    _, owner, _, _ = office
    for command, expected in (
        ("/assign", "Usage: /assign"),
        ("/reassign 7", "Usage: /reassign"),
        ("/reassign 7 Марат", "no longer exists"),
        ("/cancel x", "Usage: /cancel"),
        ("/cancel 99", "no longer exists"),
        (f"/assign Nobody {make_vin(1)} zharkent-lot", "No driver matches"),
    ):
        await owner.send(command)
        assert expected in ((await owner.next_message()).text or ""), command


async def test_only_admins_change_trips(office: Any, emulator: Emulator) -> None:
    _, _, pan, _ = office
    checkpoint = emulator.user("Gate", lang="en", started=True, user_id=CHECKPOINT_ID)
    stranger = emulator.user("Nobody", lang="en", started=True)
    commands = (f"/assign 13900000001 {make_vin(1)} zharkent-lot", "/reassign 1 x", "/cancel 1")
    for person in (pan, checkpoint, stranger):
        for command in commands:
            await person.send(command)
    assert all("管理员" in (m.text or "") for m in await pan.next_messages(len(commands)))
    for person in (checkpoint, stranger):
        replies = await person.next_messages(len(commands))
        assert all("for company admins" in (r.text or "") for r in replies)


async def test_a_decline_alert_offers_the_drivers_free_that_day(office: Any) -> None:
    app, owner, pan, marat = office
    await owner.send(f"/assign 13900000001 {make_vin(1)} zharkent-lot")
    await owner.next_message()
    await owner.send("/dispatch")
    await owner.next_message()
    photo = await pan.next_message()
    await tap(pan, photo, "❌ 拒绝")
    alert = await owner.next_message()
    assert (alert.text or "").startswith("Driver 潘广德 declined assignment #1")
    assert alert.buttons == ["🔁 Reassign"]
    await tap(owner, alert, "🔁 Reassign")
    choose = await owner.next_message()
    assert choose.text == "Give trip #1 (2025-03-10) to one of the drivers free that day:"
    assert choose.buttons == ["Марат +77011234567"]  # Pan declined it; he is not offered
    await tap(owner, choose, "Марат +77011234567")
    done = await owner.next_message()
    assert done.text == (
        "✅ Trip #1 is now Марат's. It has been sent to them; the previous driver's copy says so."
    )
    assert not choose.buttons
    assert (await marat.next_message()).photo
    trip = await state_of(app).repos.assignments.get(1)
    assert trip is not None and trip.status is Status.SENT
