"""Presses that change nothing record nothing and send nothing, even when they arrive at once."""

from __future__ import annotations

import asyncio

from bot.domain.events import EventKind
from botapi_emulator import Emulator, Press
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import assign, dispatch, receive_assignment, state_of, tap

VIN = "LGXCE4CB7R0000001"


async def test_four_simultaneous_delivered_presses_start_one_delivery_with_one_prompt(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    state = state_of(app)
    driver = await add_driver(app, pan, language="en")
    assignment = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(pan)
    for label in ("✅ Accept", "🚗 Picked up the car", "🛂 Crossed the border"):
        await tap(pan, photo, label)

    presses = [await pan.press(photo, "📦 Delivered") for _ in range(4)]
    answers = await asyncio.gather(*(p.answer() for p in presses if isinstance(p, Press)))

    assert len(answers) == 4
    prompt = await pan.next_message()
    assert "Photo 1 of 3" in (prompt.text or "")
    await pan.no_message()
    assert sum("already started" in (a.get("text") or "") for a in answers) == 3
    kinds = [e.kind for e in await state.repos.events.for_assignment(assignment.id)]
    assert kinds.count(EventKind.DELIVERY_STARTED) == 1
