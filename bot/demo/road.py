"""The service day on the road: pick-ups (one late: reminder, then escalation), the gate,
the border, a flat tyre reported with a voice note, deliveries with the photo checklist and
the location (one 12 km out, one photo sent twice), receivers signing off, two drivers back
in China."""

from __future__ import annotations

import asyncio
import re

from bot.clearance.decode import decode_qr
from bot.clearance.render import render_png
from bot.demo.cast import (
    BACK,
    FLAGGED,
    FLAT_TYRE_AT,
    GATE,
    LATE,
    PROBLEM,
    REUSED,
    TWELVE_KM_OUT,
    near,
    one,
    playing,
    vin,
)
from bot.demo.day import Car, Day
from bot.demo.steps import camera_photo


async def pick_up(day: Day) -> None:
    await day.until(day.at(8, 30), "At the Horgos yard: the cars are picked up")
    late = day.car_of(one(LATE))
    on_time = [car for car in day.cars.values() if car is not late]
    await asyncio.gather(*(day.press(car.user, car.message, 0) for car in on_time))
    title = "One driver has not picked up: his reminder at 08:45, the admins' at 09:00"
    await day.until(day.at(8, 40), title)
    await day.until(day.at(9, 20))
    await day.press(late.user, late.message, 0)


async def at_the_gate(day: Day) -> None:
    """The officer photographs a driver's QR (✅), then checks a forged code (❌)."""
    guard = day.guard
    assert guard is not None
    await day.until(day.at(10, 0), "At the Nur Zholy gate: the officer checks QR codes")
    car = day.car_of(one(GATE))
    since = day.mark(guard)
    await day.photo(
        guard,
        car.message.file_bytes(),
        f"photographs {car.user.name}'s QR on the phone and sends it captioned /verify",
        caption="/verify",
    )
    await day.reply(guard, since)
    # A forger's copy: the same code with another car's VIN, printed like the real one.
    real = car.message.file_bytes()
    forged_vin = vin(999)
    code = (await asyncio.to_thread(decode_qr, real))[0].replace(car.vin, forged_vin)
    image = await asyncio.to_thread(render_png, code, forged_vin, day.service_day.date())
    await asyncio.to_thread((day.out / "forged-qr.png").write_bytes, image)
    since = day.mark(guard)
    what = (
        f"photographs a QR printed for another car ({forged_vin}) and sends it captioned /verify"
    )
    await day.photo(guard, image, what, caption="/verify")
    await day.reply(guard, since)


async def cross(day: Day) -> None:
    await day.until(day.at(10, 20), "Across the border")
    await asyncio.gather(*(day.press(car.user, car.message, 0) for car in day.cars.values()))


async def flat_tyre(day: Day) -> None:
    """A driver reports a flat tyre: a note, a voice message and the place, sent together."""
    await day.until(day.at(11, 5), "A problem on the road, reported with a voice note")
    user = day.car_of(one(PROBLEM)).user
    since = day.mark(user)
    await day.say(user, "/problem")
    await day.reply(user, since)
    for step in ("text", "voice", "location"):
        since = day.mark(user)
        if step == "text":
            await day.say(
                user, "Шина жарылды, Жаркенттен кейін 20 км, сервис көлігін күтіп тұрмын."
            )
        elif step == "voice":
            day.transcript.action(user, "records a voice note (9 s)")
            await user.send_voice(duration=9)
        else:
            day.transcript.action(user, f"sends the location {FLAT_TYRE_AT}")
            await user.send_location(*FLAT_TYRE_AT)
        added = await day.reply(user, since)
    since = day.mark(user)
    await day.press(user, added, 0)  # ✅ Send
    await day.reply(user, since)


async def deliver(day: Day) -> None:
    for lot, moment, title in (
        ("zharkent-lot", day.at(13, 0), "Zharkent: deliveries with photos and the location"),
        ("almaty-lot", day.at(16, 30), "Almaty: deliveries"),
    ):
        await day.until(moment, title)
        cars = [car for car in day.cars.values() if car.destination == lot]
        links = await asyncio.gather(*(_deliver(day, car) for car in cars))
        # Each receiver on shift signs off the first car brought to them (the others later).
        first: dict[tuple[str, str], tuple[Car, str]] = {}
        for car, token in zip(cars, links, strict=True):
            first.setdefault(car.receiver, (car, token))
        await asyncio.gather(*(_sign_off(day, car, token) for car, token in first.values()))


async def _deliver(day: Day, car: Car) -> str:
    """Delivered → the photo checklist one by one → the location; returns the handover link."""
    user = car.user
    seed = int(car.vin[-7:])  # every car's photos are pictures of their own
    checklist = day.state.settings.delivery.photo_checklist
    shots = await asyncio.gather(
        *(asyncio.to_thread(camera_photo, seed * 10 + n, 640, 480) for n in range(len(checklist)))
    )
    since = day.mark(user)
    await day.press(user, car.message, 0)  # 📦 Delivered
    await day.reply(user, since)
    for n, shot in enumerate(shots):
        if n == 1 and car.driver.part == REUSED:
            # The same picture again, as if to save a walk back to the car: refused.
            since = day.mark(user)
            await day.photo(user, shots[0], "sends the first photo again")
            await day.reply(user, since)
        since = day.mark(user)
        await day.photo(user, shot, f"takes photo {n + 1} of {len(shots)}")
        prompt = await day.reply(user, since)
    where = TWELVE_KM_OUT if car.driver.part == FLAGGED else near(car.destination)
    since = day.mark(user)
    label = prompt.keyboard[0][0]["text"]
    await day.press_keyboard(user, prompt, label, f"shares the location {where}", location=where)
    handover = await day.reply(user, since, "start=rcv-")
    match = re.search(r"\?start=(rcv-[A-Za-z0-9_-]+)", handover.content)
    if match is None:
        raise AssertionError(f"no handover link in {handover.content!r}")
    return match.group(1)


async def _sign_off(day: Day, car: Car, token: str) -> None:
    """The receiver scans the handover QR on the driver's phone and confirms the car."""
    name, phone = car.receiver
    receiver = day.receivers.get(name)
    if receiver is None:
        receiver = day.emulator.user(name, lang="ru", phone=phone)
        day.receivers[name] = receiver
        day.transcript.watch(receiver)
    since = day.mark(receiver)
    what = f"scans the handover QR on {car.user.name}'s phone (Start)"
    await day.say(receiver, f"/start {token}", what)
    card = await day.reply(receiver, since, lambda m: bool(m.buttons))
    since = day.mark(receiver)
    await day.press(receiver, card, 0)  # ✅ Received
    await day.reply(receiver, since)


async def back_in_china(day: Day) -> None:
    await day.until(day.at(18, 0), "Back in China")
    for driver in playing(BACK):
        car = day.car_of(driver)
        await day.press(car.user, car.message, 0)  # 🏠 Back in China
        since = day.mark(car.user)
        await day.say(car.user, "/me")
        await day.reply(car.user, since)
