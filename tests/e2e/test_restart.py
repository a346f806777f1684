"""A restart in the middle of onboarding or of a delivery loses nothing: the database leads."""

from __future__ import annotations

from datetime import date

from bot.app import build_application, running
from bot.clock import FixedClock
from bot.domain.lifecycle import Status
from botapi_emulator import Emulator
from tests.conftest import FIXED_NOW, MakeSettings
from tests.e2e.helpers import (
    assign,
    camera_photo,
    dispatch,
    invite,
    receive_assignment,
    state_of,
    tap,
)


async def test_onboarding_and_delivery_continue_after_a_restart(
    emulator: Emulator, make_settings: MakeSettings, clock: FixedClock
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001", started=True)
    settings = make_settings(owners=(owner.id,))

    app = build_application(settings, clock)
    async with running(app, settings, clock):
        token = await invite(owner, "Pan")
        await pan.send(f"/start {token}")
        await tap(pan, await pan.next_message(), "English")
        phone_prompt = await pan.next_message()
        await pan.press(phone_prompt, "📱 Share my phone number")
        await pan.next_message()  # your name, please
    # The bot is down; the driver answers anyway and the update waits at Telegram.
    await pan.send("Pan Guangde")

    app = build_application(settings, clock)
    async with running(app, settings, clock):
        assert "passport number" in ((await pan.next_message()).text or "")
        await pan.send("E12345678")
        await pan.next_message()
        await pan.send("2030-05-31")
        assert "Registered" in ((await pan.next_message()).text or "")
        state = state_of(app)
        driver = await state.repos.drivers.by_telegram_id(pan.id)
        assert driver is not None and driver.passport_expiry == date(2030, 5, 31)
        assignment = await assign(
            app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
        )
        await dispatch(app, assignment)
        photo, _, _ = await receive_assignment(pan)
        for _ in range(4):  # accept, picked up, crossed, delivered
            await tap(pan, photo, photo.buttons[0])
        await pan.next_message()  # photo 1 of 3
        await pan.send_photo(camera_photo(1))
        await pan.next_message()  # photo 2 of 3

    app = build_application(settings, clock)
    async with running(app, settings, clock):
        state = state_of(app)
        await pan.send_photo(camera_photo(2, 320, 240))
        assert "3" in ((await pan.next_message()).text or "")  # photo 3 of 3
        await pan.send_photo(camera_photo(3, 300, 200))
        prompt = await pan.next_message()
        await pan.press(prompt, prompt.keyboard[0][0]["text"], location=(44.1631, 80.0021))
        assert "Delivered" in ((await pan.next_message()).text or "")
        stored = await state.repos.assignments.get(assignment.id)
        assert stored is not None and stored.status is Status.DELIVERED
        # The buttons of the message sent before the restarts were kept up to date too.
        assert photo.buttons == ["🏠 Back in China"]
