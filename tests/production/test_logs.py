"""Logs of a driver's day: JSON lines naming update, assignment and actor; no token, signing
key, full phone number or passport number in any line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import setup_logging
from bot.logsafety import install_redaction, mask_personal
from botapi_emulator import Emulator
from tests.conftest import FIXED_NOW, SIGNING_KEY, StartFerryman
from tests.e2e.helpers import (
    assign,
    camera_photo,
    dispatch,
    receive_assignment,
    register,
    state_of,
    tap,
)

PHONE = "+8613800000001"
PASSPORT = "E12345678"
AT_THE_LOT = (44.1631, 80.0021)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Ferryman's own log handler, as `ferryman run` sets it up with [logging] format = json."""
    stream = io.StringIO()
    handler = setup_logging(verbose=True, fmt="json", stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)


async def test_a_days_logs_are_json_with_context_and_nothing_secret(
    emulator: Emulator, start_ferryman: StartFerryman, log_lines: io.StringIO
) -> None:
    install_redaction([emulator.token, SIGNING_KEY])
    owner = emulator.user("Li Wei", lang="en", started=True)
    pan = emulator.user("Pan Guangde", lang="en", phone=PHONE)
    app = await start_ferryman(owners=(owner.id,))
    state = state_of(app)
    await register(owner, pan, name="Pan Guangde", passport=PASSPORT, language="en")
    driver = await state.repos.drivers.by_telegram_id(pan.id)
    assert driver is not None
    trip = await assign(
        app, driver, vin="LGXCE4CB7R0000001", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, trip)
    photo, _, _ = await receive_assignment(pan)
    # The whole trip: accept, pick up, cross, a problem on the way, deliver with proof.
    await tap(pan, photo, photo.buttons[0])  # accept
    await tap(pan, photo, photo.buttons[0])  # picked up
    await tap(pan, photo, photo.buttons[0])  # crossed
    await pan.send(f"/problem flat tyre, call me on {PHONE}")
    await pan.next_message()
    await tap(pan, photo, photo.buttons[0])  # delivered: the checklist starts
    for shot, _ in enumerate(state.settings.delivery.photo_checklist):
        await pan.next_message()
        await pan.send_photo(camera_photo(shot + 1))
    location_prompt = await pan.next_message()
    await pan.press(location_prompt, location_prompt.keyboard[0][0]["text"], location=AT_THE_LOT)
    assert ((await pan.next_message()).text or "").startswith("✅")
    await state.outbox.idle()  # the alerts and notices the day caused are out
    # Something the bot might one day log about this driver, the way a careless line would.
    logging.getLogger("ferryman.test").warning(
        "driver %s (phone %s, passport %s) token %s key %s",
        pan.id,
        PHONE,
        PASSPORT,
        emulator.token,
        SIGNING_KEY,
    )

    text = log_lines.getvalue()
    for secret in (emulator.token, emulator.token.partition(":")[2], SIGNING_KEY, PHONE, PASSPORT):
        assert secret not in text
    assert "13800000001" not in text  # not even the number without its "+"
    records = [json.loads(line) for line in text.splitlines()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    careless = next(r for r in records if r["logger"] == "ferryman.test")
    assert f"driver {pan.id} (phone ***01, passport ***78)" in careless["message"]
    # Lines written while handling the driver's updates name the update and the driver; those
    # of the trip button name the assignment too.
    assert any(r.get("actor") == pan.id and isinstance(r.get("update_id"), int) for r in records)
    assert any(r.get("assignment_id") == trip.id and r.get("actor") == pan.id for r in records)


def test_personal_numbers_are_masked_but_ids_and_dates_stay() -> None:
    line = (
        "user 900000001 in chat -1001234567890 at 2025-03-10 08:30:00+08:00, "
        "phone +7 701 123 45 67 / 87011234567, passport N7654321, VIN LGXCE4CB7R0000001"
    )
    assert mask_personal(line) == (
        "user 900000001 in chat -1001234567890 at 2025-03-10 08:30:00+08:00, "
        "phone ***67 / ***67, passport ***21, VIN LGXCE4CB7R0000001"
    )
