"""The pickup checklist: damage on record before the border, and the right car out of the yard."""

from __future__ import annotations

import io

import qrcode
from PIL import Image

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status
from botapi_emulator import Emulator
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

VIN = "LGXCE4CB7R0000001"
OTHER_VIN = "LRWYGCEK2PC000002"


def vin_plate(vin: str, seed: int) -> bytes:
    """A photo of a VIN plate whose QR code carries ``vin``."""
    with Image.open(io.BytesIO(camera_photo(seed))) as photo:
        picture = photo.convert("RGB")
    code = qrcode.make(vin).get_image().convert("RGB").resize((260, 260))
    picture.paste(code, (40, 40))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


async def test_a_vin_plate_naming_another_car_is_refused_at_pickup(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    app = await start_ferryman(
        owners=(owner.id,), group_chat_id=None, extra={"pickup": {"photos": True}}
    )
    await register(owner, pan, name="Pan Guangde", passport="E12345678", language="en")
    await owner.next_message()
    state = state_of(app)
    driver = await state.repos.drivers.by_telegram_id(pan.id)
    assert driver is not None
    trip = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, trip)
    photo, _, _ = await receive_assignment(pan)
    await tap(pan, photo, "✅ Accept")
    await tap(pan, photo, "🚗 Picked up the car")
    ask = (await pan.next_message()).text or ""
    assert ask == "Before you drive off, photo 1 of 5: send a photo of the VIN plate."

    # The plate's QR names another car: refused, and the car is not picked up.
    await pan.send_photo(vin_plate(OTHER_VIN, seed=1))
    refused = (await pan.next_message()).text or ""
    assert refused.startswith(f"This is not the car of assignment #{trip.id}: the VIN plate")
    assert OTHER_VIN in refused and VIN in refused
    stored = await state.repos.assignments.get(trip.id)
    assert stored is not None and stored.status is Status.ACCEPTED

    # The right plate, then the four sides: only then is the car picked up.
    await pan.send_photo(vin_plate(VIN, seed=2))
    for number, side in enumerate(
        ("from the front", "from behind", "left side", "right side"), start=2
    ):
        ask = (await pan.next_message()).text or ""
        assert f"photo {number} of 5" in ask and side in ask
        await pan.send_photo(camera_photo(10 + number))
    assert (await pan.next_message()).text == "Car picked up. Drive safely!"
    stored = await state.repos.assignments.get(trip.id)
    assert stored is not None and stored.status is Status.PICKED_UP
    assert photo.buttons[0] == "🛂 Crossed the border"
    proofs = await state.repos.proofs.for_assignment(trip.id)
    assert [(p.stage, p.checklist_item) for p in proofs] == [
        ("pickup", "vin_plate"),
        ("pickup", "front"),
        ("pickup", "rear"),
        ("pickup", "left_side"),
        ("pickup", "right_side"),
    ]

    # At delivery the same car's plate is another photo: a new one, and its QR matches.
    await tap(pan, photo, "🛂 Crossed the border")
    await tap(pan, photo, "📦 Delivered")
    assert "Photo 1 of 3" in ((await pan.next_message()).text or "")
    await pan.send_photo(vin_plate(OTHER_VIN, seed=3))  # flagged at delivery, not refused
    assert "Photo 2 of 3" in ((await pan.next_message()).text or "")
    alert = (await owner.next_message()).text or ""
    assert f"reads {OTHER_VIN}, another car" in alert
    kinds = [e.kind for e in await state.repos.events.for_assignment(trip.id)]
    assert kinds.count(EventKind.VIN_MISMATCH) == 1
