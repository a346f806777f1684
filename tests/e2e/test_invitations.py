"""Invitation links as people use them: one link for one person, a phone number that must
match, a deadline that holds to the last step, and names that are names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FixedClock
from botapi_emulator import EmulatedUser, Emulator
from tests.conftest import StartFerryman
from tests.e2e.helpers import invite, state_of, tap


@pytest.fixture
async def owner_and_app(emulator: Emulator, start_ferryman: StartFerryman) -> Any:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    return owner, app


async def _open(user: EmulatedUser, token: str) -> None:
    """/start with the link, choose English; the phone question is then the last message."""
    await user.send(f"/start {token}")
    await tap(user, await user.next_message(), "English")
    assert "Share your phone number" in ((await user.next_message()).text or "")


async def test_a_forwarded_link_is_refused_to_the_second_person(
    owner_and_app: Any, emulator: Emulator
) -> None:
    owner, app = owner_and_app
    token = await invite(owner, "Pan Guangde")
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    other = emulator.user("Other Person", lang="en", phone="+8613800000002")
    await _open(pan, token)
    await other.send(f"/start {token}")
    assert "opened by someone else first" in ((await other.next_message()).text or "")
    await other.send("Other Person")
    assert "not registered" in ((await other.next_message()).text or "")
    assert await state_of(app).repos.registrations.get(other.id) is None


async def test_a_second_person_already_mid_way_is_told_at_the_next_step(
    owner_and_app: Any, emulator: Emulator
) -> None:
    owner, app = owner_and_app
    state = state_of(app)
    token = await invite(owner, "Pan Guangde")
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    other = emulator.user("Other Person", lang="en", phone="+8613800000002")
    await _open(pan, token)
    # As left by a version without link claiming: a second registration on the same link.
    registration = await state.repos.registrations.get(pan.id)
    assert registration is not None
    data = {**registration.data, "phone": "+8613800000002"}
    await state.repos.registrations.save(other.id, token, "name", data, registration.updated_at)
    await pan.press(pan.last_message, "📱 Share my phone number")  # type: ignore[arg-type]
    for answer in ("Pan Guangde", "E12345678", "2030-05-31"):
        await pan.next_message()
        await pan.send(answer)
    assert "Registered" in ((await pan.next_message()).text or "")
    await other.send("Other Person")
    assert "already been used" in ((await other.next_message()).text or "")
    assert await state.repos.drivers.by_telegram_id(other.id) is None


async def test_an_invitation_for_a_phone_number_refuses_another_number(
    owner_and_app: Any, emulator: Emulator
) -> None:
    owner, _ = owner_and_app
    await owner.send("/invite Pan Guangde +86 138 0000 0001")
    reply = (await owner.next_message()).text or ""
    assert "Invitation for Pan Guangde" in reply
    assert "Only the driver with the phone number +8613800000001" in reply
    token = reply.rsplit("start=", 1)[1].split()[0]
    other = emulator.user("Other Person", lang="en", phone="+8613900000009")
    await _open(other, token)
    await other.press(other.last_message, "📱 Share my phone number")  # type: ignore[arg-type]
    assert "for another phone number" in ((await other.next_message()).text or "")


async def test_registration_started_before_expiry_stops_at_the_deadline(
    owner_and_app: Any, emulator: Emulator, clock: FixedClock
) -> None:
    owner, app = owner_and_app
    token = await invite(owner, "Pan Guangde")
    pan = emulator.user("Pan Guangde", lang="en", phone="+8613800000001")
    await _open(pan, token)
    await pan.press(pan.last_message, "📱 Share my phone number")  # type: ignore[arg-type]
    assert "full name" in ((await pan.next_message()).text or "")
    clock.advance(timedelta(days=30))
    await pan.send("Pan Guangde")
    ended = await pan.next_message()
    assert "expired" in (ended.text or "")
    assert await state_of(app).repos.drivers.by_telegram_id(pan.id) is None


async def test_invite_names_must_be_names_of_sane_length(owner_and_app: Any) -> None:
    owner, app = owner_and_app
    await owner.send("/invite " + "Я" * 4001)
    reply = (await owner.next_message()).text or ""
    assert "at most 64 characters; this one has 4001" in reply
    await owner.send("/invite \u200f\u200e\u200f")
    assert "not a name" in ((await owner.next_message()).text or "")
    rows = await state_of(app).repos.db.fetch_all("SELECT token FROM invitations")
    assert rows == []
