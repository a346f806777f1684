"""The receiver at the lot signs the delivery off through the driver's one-time link."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import FixedClock
from bot.domain.events import EventKind
from botapi_emulator import ChatMessage, EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import (
    assign,
    camera_photo,
    decode,
    dispatch,
    receive_assignment,
    register,
    state_of,
    tap,
)

NEAR_THE_LOT = (44.1650, 80.0030)


async def _deliver(driver: EmulatedUser, seed: int) -> ChatMessage:
    """The whole trip up to the proof; returns the handover message the driver gets."""
    photo, _, _ = await receive_assignment(driver)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(driver, photo, photo.buttons[0])
    for shot in range(3):
        await driver.next_message()
        await driver.send_photo(camera_photo(seed + shot))
    prompt = await driver.next_message()
    await driver.press(prompt, prompt.keyboard[0][0]["text"], location=NEAR_THE_LOT)
    await driver.next_message()  # "✅ Delivered"
    return await driver.next_message()


def _token(handover: ChatMessage) -> str:
    match = re.search(r"https://t\.me/\w+\?start=(rcv-[A-Za-z0-9_-]+)", handover.caption or "")
    assert match is not None, handover.caption
    return match.group(1)


async def test_the_receiver_confirms_through_the_handover_link_and_is_named(
    emulator: Emulator, start_ferryman: StartFerryman, clock: FixedClock
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    aibek = emulator.user("Aibek Nurlanov", lang="ru", username="aibek_lot")
    app = await start_ferryman(
        owners=(owner.id,),
        group_chat_id=None,
        extra={"delivery": {"receiver_confirm_minutes": 30}},
    )
    await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
    await owner.next_message()
    state = state_of(app)
    driver = await state.repos.drivers.by_telegram_id(pan.id)
    assert driver is not None
    trip = await assign(
        app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, trip)
    handover = await _deliver(pan, seed=10)
    # A QR code the receiver's camera opens, and the same link as text.
    token = _token(handover)
    assert decode(handover.file_bytes()) == [f"https://t.me/{app.bot.username}?start={token}"]

    # Half an hour later nobody has confirmed: the board says so.
    clock.advance(timedelta(minutes=31))
    await owner.send("/board")
    board = (await owner.next_message()).text or ""
    assert "Not confirmed by the receiver (1)" in board and f"#{trip.id}" in board

    # The receiver, never registered, opens the link: the proof photos, then the car.
    await aibek.send(f"/start {token}")
    album = await aibek.next_messages(3)
    assert all(m.photo for m in album)
    card = await aibek.next_message()
    assert "LGXCE4CB7R0000001" in (card.text or "") and "BYD Song Plus DM-i, белый" in (
        card.text or ""
    )
    assert card.buttons == ["✅ Машину принял", "⚠️ Проблема с машиной"]
    await tap(aibek, card, "✅ Машину принял")
    assert "отмечена как принятая вами" in ((await aibek.next_message()).text or "")
    told = await pan.next_message()
    assert (told.text or "") == (
        f"✅ Aibek Nurlanov (@aibek_lot) confirmed receiving the car of assignment #{trip.id}."
    )

    (confirmed,) = [
        e
        for e in await state.repos.events.for_assignment(trip.id)
        if e.kind is EventKind.RECEIVER_CONFIRMED
    ]
    assert confirmed.actor_telegram_id == aibek.id
    assert confirmed.payload["receiver"] == "Aibek Nurlanov (@aibek_lot)"
    assert confirmed.recorded_at == clock.now()
    await owner.send("/board")
    assert "Not confirmed" not in ((await owner.next_message()).text or "")

    # The link works once.
    await aibek.send(f"/start {token}")
    assert "уже использована" in ((await aibek.next_message()).text or "")


async def test_a_problem_with_the_car_reaches_the_admins_with_the_receivers_photo(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    aibek = emulator.user("Aibek Nurlanov", lang="en")
    app = await start_ferryman(
        owners=(owner.id,), group_chat_id=None, extra={"company": {"default_language": "en"}}
    )
    await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
    await owner.next_message()
    state = state_of(app)
    driver = await state.repos.drivers.by_telegram_id(pan.id)
    assert driver is not None
    trip = await assign(
        app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, trip)
    token = _token(await _deliver(pan, seed=20))

    await aibek.send(f"/start {token}")
    await aibek.next_messages(3)
    card = await aibek.next_message()
    await tap(aibek, card, "⚠️ Problem with the car")
    assert "What is wrong" in ((await aibek.next_message()).text or "")
    alert = (await owner.next_message()).text or ""
    assert "Aibek Nurlanov reports a problem" in alert and f"#{trip.id}" in alert
    await aibek.send_photo(camera_photo(99), caption="Scratch on the rear bumper")
    assert "Thank you" in ((await aibek.next_message()).text or "")
    note = await owner.next_message()
    assert note.photo and "Scratch on the rear bumper" in (note.caption or "")
    kinds = [e.kind for e in await state.repos.events.for_assignment(trip.id)]
    assert kinds.count(EventKind.RECEIVER_PROBLEM) == 2  # the answer, then the description
