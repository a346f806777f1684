"""A delivery flagged outside the lot reaches the admin with what to look at: the proof photos
as one album and the delivery place as a pin naming the distance."""

from __future__ import annotations

from botapi_emulator import Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import assign, camera_photo, dispatch, receive_assignment, state_of, tap

TWELVE_KM_OUT = (44.1630, 80.1530)


async def test_flagged_delivery_alert_brings_the_album_and_the_pin(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    await owner.send("/start")  # from now on the bot knows the owner reads English
    await owner.next_message()
    ivan = emulator.user("Ivan Petrov", lang="ru", started=True)
    driver = await add_driver(app, ivan, "Иван", "+77010000002", language="ru")
    trip = await assign(
        app, driver, vin="LRWYGCEK2PC000002", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, trip)
    photo, _, _ = await receive_assignment(ivan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(ivan, photo, photo.buttons[0])
    checklist = state_of(app).settings.delivery.photo_checklist
    for shot in range(len(checklist)):
        await ivan.next_message()
        await ivan.send_photo(camera_photo(700 + shot))
    prompt = await ivan.next_message()
    await ivan.press(prompt, prompt.keyboard[0][0]["text"], location=TWELVE_KM_OUT)
    await ivan.next_message()

    alert, *album, pin = await owner.next_messages(2 + len(checklist))
    assert (alert.text or "").startswith(f"⚠️ Assignment #{trip.id} (LRWYGCEK2PC000002)")
    assert len(album) == len(checklist) and all(m.photo for m in album)
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert album[0].caption == (
        f"Assignment #{trip.id} (LRWYGCEK2PC000002): the delivery photos from Иван."
    )
    assert pin.venue is not None
    assert pin.venue["title"] == f"📍 Assignment #{trip.id}: delivered here"
    assert (
        pin.venue["address"].startswith("12,0")
        and "m from Zharkent delivery lot" in (pin.venue["address"])
    )
    assert (pin.venue["location"]["latitude"], pin.venue["location"]["longitude"]) == (
        TWELVE_KM_OUT
    )
