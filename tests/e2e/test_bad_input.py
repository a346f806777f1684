"""Bad input of every kind gets a short, translated answer and changes nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.domain.lifecycle import Status
from bot.state import AppState, FerrymanApp
from botapi_emulator import ChatMessage, EmulatedUser, Emulator, Press, sample_image
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import assign, dispatch, receive_assignment, state_of, tap

PAN_VIN = "LGXCE4CB7R0000001"
IVAN_VIN = "LRWYGCEK2PC000002"


@dataclass
class Day:
    app: FerrymanApp
    state: AppState
    emulator: Emulator
    pan: EmulatedUser
    ivan: EmulatedUser
    stranger: EmulatedUser
    pan_photo: ChatMessage
    pan_destination_pin: ChatMessage
    pan_assignment: int
    ivan_assignment: int


@pytest.fixture
async def day(emulator: Emulator, start_ferryman: StartFerryman) -> AsyncIterator[Day]:
    app = await start_ferryman()
    state = state_of(app)
    pan = emulator.user("Pan Guangde", lang="zh", started=True)
    ivan = emulator.user("Ivan Petrov", lang="ru", started=True)
    stranger = emulator.user("Random Person", lang="en", started=True)
    assignments = []
    for user, vin, language in ((pan, PAN_VIN, "zh"), (ivan, IVAN_VIN, "ru")):
        driver = await add_driver(app, user, phone="+8613800000000", language=language)
        assignment = await assign(
            app, driver, vin=vin, service_date=FIXED_NOW.date(), now=FIXED_NOW
        )
        await dispatch(app, assignment)
        assignments.append(assignment.id)
    pan_photo, _, pan_destination = await receive_assignment(pan)
    await receive_assignment(ivan)
    yield Day(app, state, emulator, pan, ivan, stranger, pan_photo, pan_destination, *assignments)


async def snapshot(state: AppState) -> dict[str, Any]:
    """Everything a bad input must leave alone."""
    conn = state.repos.db.conn
    tables = ("drivers", "assignments", "proofs", "events", "pending_inputs", "registrations")
    counts = {}
    for table in tables:
        async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
            row = await cur.fetchone()
            counts[table] = row[0] if row else None
    async with conn.execute("SELECT id, status, version FROM assignments ORDER BY id") as cur:
        counts["statuses"] = [tuple(r) async for r in cur]
    media = state.settings.storage.media_dir
    counts["media"] = sorted(p.name for p in media.glob("**/*")) if media.exists() else []
    return counts


async def test_strangers_photo_location_and_button_are_refused(day: Day) -> None:
    before = await snapshot(day.state)
    await day.stranger.send_photo(sample_image())
    assert "not registered" in ((await day.stranger.next_message()).text or "")
    await day.stranger.send_location(44.16, 80.0)
    assert "not registered" in ((await day.stranger.next_message()).text or "")
    # A press on a message in Pan's private chat "by" the stranger cannot come from Telegram;
    # the chat guard refuses it before any handler sees it (no answer, nothing changes).
    crafted = day.emulator.world.press(
        day.emulator.bot, day.stranger.user, day.pan_photo.stored, f"trip:{day.pan_assignment}:acc"
    )
    with pytest.raises(TimeoutError):
        await Press(crafted, day.pan_photo).answer(within=0.5)
    assert await snapshot(day.state) == before


async def test_crafted_button_for_another_drivers_assignment(day: Day) -> None:
    before = await snapshot(day.state)
    crafted = day.emulator.world.press(
        day.emulator.bot, day.pan.user, day.pan_photo.stored, f"trip:{day.ivan_assignment}:acc"
    )
    answer = await _answer(day, crafted)
    assert answer["text"] == "这个按钮不是给您的。"
    assert await snapshot(day.state) == before


async def test_tampered_button_data(day: Day) -> None:
    before = await snapshot(day.state)
    for data in ("trip:abc:acc", "trip:1:launch", "drop table", "lang:xx"):
        crafted = day.emulator.world.press(
            day.emulator.bot, day.pan.user, day.pan_photo.stored, data
        )
        await _answer(day, crafted)
    assert await snapshot(day.state) == before


async def test_repeated_press_is_answered_and_applied_once(day: Day) -> None:
    accept = day.pan_photo.buttons[0]
    await tap(day.pan, day.pan_photo, accept)
    after_first = await snapshot(day.state)
    again = day.emulator.world.press(
        day.emulator.bot, day.pan.user, day.pan_photo.stored, f"trip:{day.pan_assignment}:acc"
    )
    answer = await _answer(day, again)
    assert answer["text"] == "现在不能进行这一步。请使用当前显示的按钮。"
    assert await snapshot(day.state) == after_first
    stored = await day.state.repos.assignments.get(day.pan_assignment)
    assert stored is not None and stored.status is Status.ACCEPTED


async def test_photo_when_no_delivery_is_in_progress(day: Day) -> None:
    before = await snapshot(day.state)
    await day.ivan.send_photo(sample_image())
    reply = await day.ivan.next_message()
    assert "📦 Доставил" in (reply.text or "")
    assert await snapshot(day.state) == before


async def test_sticker_voice_and_files(day: Day) -> None:
    before = await snapshot(day.state)
    await day.pan.send_sticker()
    assert "无法处理这类消息" in ((await day.pan.next_message()).text or "")
    await day.ivan.send_voice()
    assert "не могу обработать" in ((await day.ivan.next_message()).text or "")
    await day.stranger.send_document(
        b"%PDF-1.4 hello", "manifest.pdf", mime_type="application/pdf"
    )
    assert "can't use this file" in ((await day.stranger.next_message()).text or "")
    huge = b"\0" * (20 * 1024 * 1024 + 1)
    await day.stranger.send_document(huge, "video.bin")
    assert "too large" in ((await day.stranger.next_message()).text or "")
    assert await snapshot(day.state) == before


async def test_forwarded_proof_is_refused(day: Day) -> None:
    state, pan = day.state, day.pan
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(pan, day.pan_photo, day.pan_photo.buttons[0])
    await pan.next_message()  # photo 1 of 3
    before = await snapshot(state)
    await pan.forward_from("Somebody", photo=sample_image())
    assert "转发" in ((await pan.next_message()).text or "")
    await pan.forward_from("Somebody", location=(44.163, 80.002))
    assert "转发" in ((await pan.next_message()).text or "")
    await pan.forward(day.pan_destination_pin)  # the lot's own map pin, exactly on target
    assert "从地图上选的地点" in ((await pan.next_message()).text or "")
    await pan.send("done?")
    assert "1/3" in ((await pan.next_message()).text or "")  # the checklist, not a shrug
    assert await snapshot(state) == before
    stored = await state.repos.assignments.get(day.pan_assignment)
    assert stored is not None and stored.status is Status.CROSSED


async def test_a_pdf_renamed_jpg_is_not_proof(day: Day) -> None:
    state, pan = day.state, day.pan
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(pan, day.pan_photo, day.pan_photo.buttons[0])
    await pan.next_message()  # photo 1 of 3
    before = await snapshot(state)
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    await pan.send_document(pdf, "IMG_0001.jpg", mime_type="image/jpeg")
    assert "请发送照片" in ((await pan.next_message()).text or "")
    assert await snapshot(state) == before


async def test_unknown_command_and_plain_text(day: Day) -> None:
    before = await snapshot(day.state)
    await day.pan.send("/launch_rockets")
    assert "未知命令" in ((await day.pan.next_message()).text or "")
    await day.pan.send("hello?")
    assert "/help" in ((await day.pan.next_message()).text or "")
    assert await snapshot(day.state) == before


async def _answer(day: Day, query: Any) -> dict[str, Any]:
    from botapi_emulator import Press

    return await Press(query, day.pan_photo).answer()
