"""Proof that holds up: a photo counts once; a near copy is accepted but shown to the admins."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from bot.clock import FixedClock
from bot.domain.events import EventKind
from botapi_emulator import Emulator, Fault
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import (
    assign,
    camera_photo,
    dispatch,
    receive_assignment,
    register,
    state_of,
    tap,
)


def recompressed(data: bytes) -> bytes:
    """The same picture saved again smaller: other bytes, same scene."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as picture:
        picture.resize((600, 450)).save(out, format="JPEG", quality=60)
    return out.getvalue()


async def test_the_same_photo_for_two_items_is_refused_and_a_near_copy_is_flagged(
    emulator: Emulator, start_ferryman: StartFerryman, clock: FixedClock
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    app = await start_ferryman(
        owners=(owner.id,), group_chat_id=None, extra={"company": {"default_language": "en"}}
    )
    await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
    await owner.next_message()  # "new driver registered"
    state = state_of(app)
    driver = await state.repos.drivers.by_telegram_id(pan.id)
    assert driver is not None
    trip = await assign(
        app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, trip)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(pan, photo, photo.buttons[0])
    assert "Photo 1 of 3" in ((await pan.next_message()).text or "")
    vin_plate = camera_photo(1)
    await pan.send_photo(vin_plate)
    assert "Photo 2 of 3" in ((await pan.next_message()).text or "")

    # Later, the same picture again for the dashboard: refused, saying what it already is.
    clock.advance(timedelta(minutes=5))
    await pan.send_photo(vin_plate)
    refused = (await pan.next_message()).text or ""
    assert refused == (
        f"This photo is already on record as “VIN plate” of assignment #{trip.id}. "
        "A photo counts once: take a new one now."
    )
    await pan.no_message()

    # A resized, recompressed copy is other bytes: accepted, but the admins look at it.
    await pan.send_photo(recompressed(vin_plate))
    assert "Photo 3 of 3" in ((await pan.next_message()).text or "")
    alert = (await owner.next_message()).text or ""
    assert alert.startswith(f"⚠️ Assignment #{trip.id} (LGXCE4CB7R0000001)")
    assert "“dashboard” looks like the photo of “VIN plate”" in alert

    proofs = await state.repos.proofs.for_assignment(trip.id)
    assert [(p.checklist_item, p.flagged) for p in proofs] == [
        ("vin_plate", False),
        ("dashboard", True),
    ]
    kinds = [e.kind for e in await state.repos.events.for_assignment(trip.id)]
    assert kinds.count(EventKind.PROOF_PHOTO) == 2 and EventKind.PHOTO_NEAR_COPY in kinds


async def test_a_photo_telegram_failed_to_hand_over_is_filed_when_sent_again(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    app = await start_ferryman(
        owners=(owner.id,), group_chat_id=None, extra={"company": {"default_language": "en"}}
    )
    await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
    state = state_of(app)
    driver = await state.repos.drivers.by_telegram_id(pan.id)
    assert driver is not None
    trip = await assign(
        app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, trip)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(pan, photo, photo.buttons[0])
    assert "Photo 1 of 3" in ((await pan.next_message()).text or "")
    # Telegram fails to give the bot the photo: nothing is filed.
    emulator.faults.inject(Fault.server_error(), method="getFile")
    vin_plate = camera_photo(1)
    sent = await pan.send_photo(vin_plate)
    assert "Please try again" in ((await pan.next_message()).text or "")
    assert await state.repos.proofs.for_assignment(trip.id) == []

    # Pan sends the same photo again at once (the same file, as a client's resend): it is
    # filed, not refused as "already filed".
    await pan.resend(sent)
    assert "Photo 2 of 3" in ((await pan.next_message()).text or "")
    proofs = await state.repos.proofs.for_assignment(trip.id)
    assert [p.checklist_item for p in proofs] == ["vin_plate"]
