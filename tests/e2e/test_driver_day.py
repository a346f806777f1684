"""A whole day for two drivers in different languages, played against the emulator."""

from __future__ import annotations

import re

from bot.domain.lifecycle import Status
from bot.domain.models import ProofKind
from bot.jobs import GROUP_DIGEST_JOB
from bot.services.visa import driver_visa_status
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

PAN_VIN = "LGXCE4CB7R0000001"
IVAN_VIN = "LRWYGCEK2PC000002"
ZHARKENT_LOT = (44.1630, 80.0020)
NEAR_THE_LOT = (44.1650, 80.0030)  # ~240 m away
TWELVE_KM_OUT = (44.1630, 80.1530)


async def press(user: EmulatedUser, label: str, *, on: ChatMessage) -> dict[str, object]:
    return await tap(user, on, label)


async def test_two_drivers_live_a_whole_day(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="zh", started=True)
    pan = emulator.user("Pan Guangde", lang="zh", phone="+8613800000001")
    ivan = emulator.user("Ivan Petrov", lang="ru", phone="+77010000002")
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(owners=(owner.id,), group_chat_id=group.id)
    state = state_of(app)

    welcome = await register(owner, pan, name="潘广德", passport="E12345678", language="zh")
    assert "注册成功" in (welcome.text or "")
    assert "潘广德" in ((await owner.next_message()).text or "")  # admins are told
    welcome = await register(owner, ivan, name="Иван Петров", passport="N7654321", language="ru")
    assert "Регистрация завершена" in (welcome.text or "")
    await owner.next_message()
    assert [c["command"] for c in ivan.menu_commands()][:2] == ["today", "me"]

    pan_driver = await state.repos.drivers.by_telegram_id(pan.id)
    ivan_driver = await state.repos.drivers.by_telegram_id(ivan.id)
    assert pan_driver is not None and ivan_driver is not None
    assert (pan_driver.language, ivan_driver.language) == ("zh", "ru")
    assert ivan_driver.phone == "+77010000002"

    day = FIXED_NOW.date()
    trips = {
        pan.id: await assign(app, pan_driver, vin=PAN_VIN, service_date=day, now=FIXED_NOW),
        ivan.id: await assign(app, ivan_driver, vin=IVAN_VIN, service_date=day, now=FIXED_NOW),
    }
    for driver, where, language_word, vin in (
        (pan, NEAR_THE_LOT, "派车单", PAN_VIN),
        (ivan, TWELVE_KM_OUT, "Рейс", IVAN_VIN),
    ):
        assignment = trips[driver.id]
        await dispatch(app, assignment)
        photo, pickup, destination = await receive_assignment(driver)
        caption = photo.caption or ""
        assert language_word in caption and vin in caption
        assert "UTC+8" in caption  # every time carries its zone
        assert decode(photo.file_bytes()) == [assignment.clearance_code]
        assert pickup.venue is not None and "Horgos" in pickup.venue["title"]
        assert destination.venue is not None and "Zharkent" in destination.venue["title"]

        labels = photo.buttons
        await press(driver, labels[0], on=photo)  # accept
        await press(driver, photo.buttons[0], on=photo)  # picked up
        await press(driver, photo.buttons[0], on=photo)  # crossed
        assert len(photo.buttons) == 2  # delivered, problem
        await press(driver, photo.buttons[0], on=photo)  # delivered: proof starts
        for shot, _ in enumerate(state.settings.delivery.photo_checklist):
            ask = await driver.next_message()
            assert "1" in (ask.text or "") or "2" in (ask.text or "") or "3" in (ask.text or "")
            await driver.send_photo(camera_photo(driver.id * 10 + shot))
        location_prompt = await driver.next_message()
        assert location_prompt.keyboard[0][0].get("request_location") is True
        await driver.press(location_prompt, location_prompt.keyboard[0][0]["text"], location=where)
        done = await driver.next_message()
        assert (done.text or "").startswith("✅") and str(assignment.id) in (done.text or "")
        # After delivery the only button left is "back in China".
        assert len(photo.buttons) == 1
        back = await press(driver, photo.buttons[0], on=photo)
        assert photo.buttons == [], back

    # The 12 km delivery is flagged to the admin at once; the group reads a digest.
    admin_texts = [m.text or "" for m in owner.messages]
    flagged = [t for t in admin_texts if "⚠️" in t]
    assert len(flagged) == 1 and str(trips[ivan.id].id) in flagged[0]
    assert re.search(r"\b1[12],\d{3} 米", flagged[0])  # about 12 km, in metres, as zh writes it
    assert group.messages == []
    assert app.job_queue is not None
    (digest_job,) = app.job_queue.get_jobs_by_name(GROUP_DIGEST_JOB)
    await digest_job.run(app)
    (digest,) = [m.text or "" for m in await group.next_messages(1)]
    assert "已派发：2" in digest and "已交车：2" in digest and "已过境：2" in digest
    assert str(trips[ivan.id].id) in digest and "12,045" in digest  # the flagged one, named
    await digest_job.run(app)
    await group.no_message()  # nothing new, nothing sent

    repos = state.repos
    for driver_id, assignment in trips.items():
        stored = await repos.assignments.get(assignment.id)
        assert stored is not None and stored.status is Status.DELIVERED
        proofs = await repos.proofs.for_assignment(assignment.id)
        photos = [p for p in proofs if p.kind is ProofKind.PHOTO]
        assert [p.checklist_item for p in photos] == ["vin_plate", "dashboard", "car_at_lot"]
        for p in photos:
            archived = state.settings.storage.media_dir / str(p.media_path)
            assert archived.is_file() and p.sha256 and p.sha256 in archived.name
        location = next(p for p in proofs if p.kind is ProofKind.LOCATION)
        assert location.flagged is (driver_id == ivan.id)
        events = [e.kind for e in await repos.events.for_assignment(assignment.id)]
        assert events == [
            "created",
            "send",
            "accept",
            "pick_up",
            "cross",
            "border_crossed",
            "delivery_started",
            "proof_photo",
            "proof_photo",
            "proof_photo",
            "deliver",
            "handover_offered",  # the receiver's one-time link
        ]
    visa = await driver_visa_status(repos, pan_driver.id, FIXED_NOW)
    assert (visa.in_kazakhstan, visa.window_days) == (False, 1)
