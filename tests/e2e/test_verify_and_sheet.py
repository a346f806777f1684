"""/verify (text and photo) and /qrsheet, as an admin and a stranger see them."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pypdfium2
import pytest

from bot.domain.models import Assignment
from bot.state import FerrymanApp
from botapi_emulator import EmulatedUser, Emulator, sample_image
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import assign, decode, dispatch, receive_assignment, state_of

VINS = ("LGXCE4CB7R0000001", "LRWYGCEK2PC000002")


@pytest.fixture
async def day(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, EmulatedUser, list[Assignment], bytes]:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    state = state_of(app)
    pan = emulator.user("Pan Guangde", lang="zh", started=True)
    driver = await state.repos.drivers.add(
        name="潘广德", now=FIXED_NOW, telegram_id=pan.id, passport_expiry=date(2030, 1, 1)
    )
    assignments = [
        await assign(app, driver, vin=vin, service_date=FIXED_NOW.date(), now=FIXED_NOW)
        for vin in VINS
    ]
    await dispatch(app, assignments[0])
    photo, _, _ = await receive_assignment(pan)
    return app, owner, pan, assignments, photo.file_bytes()


async def test_admin_verifies_a_code_sent_as_text(day: Any) -> None:
    _, owner, _, assignments, _ = day
    await owner.send(f"/verify {assignments[0].clearance_code}")
    reply = (await owner.next_message()).text or ""
    assert reply.startswith("✅") and VINS[0] in reply and "潘广德" in reply
    assert f"#{assignments[0].id}" in reply


async def test_tampered_code_is_refused_with_the_reason(day: Any) -> None:
    _, owner, _, assignments, _ = day
    code = assignments[0].clearance_code
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    await owner.send(f"/verify {tampered}")
    reply = (await owner.next_message()).text or ""
    assert reply.startswith("❌") and "bad signature" in reply


async def test_photo_of_the_qr_is_decoded_and_verified(day: Any) -> None:
    app, owner, _, assignments, qr_image = day
    await owner.send_photo(qr_image, caption="/verify")
    reply = (await owner.next_message()).text or ""
    assert reply.startswith("✅") and VINS[0] in reply
    await owner.send("/verify")
    await owner.next_message()  # how to use it
    await owner.send_photo(sample_image())
    reply = (await owner.next_message()).text or ""
    assert reply.startswith("❌") and "no QR code found" in reply
    kinds = [e.kind for e in await state_of(app).repos.events.for_assignment(assignments[0].id)]
    assert "clearance_verified" in kinds


async def test_strangers_cannot_verify_or_print(day: Any, emulator: Emulator) -> None:
    _, _, pan, assignments, _ = day
    stranger = emulator.user("Curious Person", lang="en", started=True)
    await stranger.send(f"/verify {assignments[0].clearance_code}")
    assert "Only company admins" in ((await stranger.next_message()).text or "")
    await pan.send("/qrsheet")
    assert "管理员" in ((await pan.next_message()).text or "")


async def test_qrsheet_pdf_carries_every_code_of_the_day(day: Any) -> None:
    _, owner, _, assignments, _ = day
    await owner.send(f"/qrsheet {FIXED_NOW.date().isoformat()}")
    sheet = await owner.next_message(within=30)
    assert sheet.document is not None and sheet.document["file_name"].endswith(".pdf")
    pdf = pypdfium2.PdfDocument(sheet.file_bytes())
    try:
        found: set[str] = set()
        for page in pdf:
            bitmap = page.render(scale=3).to_pil()
            buffer = io.BytesIO()
            bitmap.save(buffer, format="PNG")
            found.update(decode(buffer.getvalue()))
    finally:
        pdf.close()
    assert found == {a.clearance_code for a in assignments}
    await owner.send("/qrsheet 2020-01-01")
    assert "nothing to print" in ((await owner.next_message()).text or "")
    await owner.send("/qrsheet yesterday")
    assert "Usage" in ((await owner.next_message()).text or "")
