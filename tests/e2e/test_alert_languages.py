"""One alert, several admins: each reads it whole in their own language, the words filled into
it too (proof item names, the lot's name, numbers), not the company language's."""

from __future__ import annotations

import io
import re

from PIL import Image

from bot.state import FerrymanApp
from botapi_emulator import ChatMessage, EmulatedUser, Emulator
from handlers.proof_prompts import item_name
from tests.conftest import FIXED_NOW, NAMED_PLACES, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import assign, camera_photo, dispatch, receive_assignment, state_of, tap
from tests.test_screens_language import english_words

TWELVE_KM_OUT = (44.1630, 80.1530)
VIN = "LRWYGCEK2PC000002"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
CJK = re.compile(r"[\u3000-\u303F\u4E00-\u9FFF\uFF00-\uFFEF]")


def recompressed(data: bytes) -> bytes:
    """The same picture saved again smaller: other bytes, same scene (a near copy)."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as picture:
        picture.resize((600, 450)).save(out, format="JPEG", quality=60)
    return out.getvalue()


def shown(message: ChatMessage) -> str:
    """Everything the admin reads in a message: text, caption, a pin's title and address."""
    parts = [message.text or "", message.caption or ""]
    if message.venue:
        parts += [str(message.venue["title"]), str(message.venue["address"])]
    return "\n".join(parts)


def assert_reads_only(language: str, text: str) -> None:
    """No English and no word of the other admin's language: the proper names (the driver),
    the VIN and the word "VIN" are the only Latin letters left."""
    text = re.sub(rf"{VIN}|\bPan\b|\bVIN\b", "", text)
    foreign = CJK if language == "ru" else CYRILLIC
    assert not english_words(text), f"English in a {language} alert: {text!r}"
    assert not foreign.search(text), f"another language in a {language} alert: {text!r}"
    assert not re.search(r"[A-Za-z]", text), f"Latin in a {language} alert: {text!r}"


async def _russian_and_chinese_admins(
    emulator: Emulator, start_ferryman: StartFerryman
) -> tuple[FerrymanApp, EmulatedUser, EmulatedUser]:
    olga = emulator.user("Olga", lang="ru", started=True)
    wang = emulator.user("Wang", lang="zh", started=True)
    # The company writes English: any word filled in from the company language would show.
    app = await start_ferryman(
        owners=(olga.id, wang.id),
        group_chat_id=None,
        extra={"company": {"default_language": "en"}, "places": NAMED_PLACES},
    )
    for owner in (olga, wang):
        await owner.send("/start")  # from now on the bot knows each one's language
        await owner.next_message()
    return app, olga, wang


async def test_a_russian_and_a_chinese_admin_each_read_the_same_alerts_in_their_language(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    app, olga, wang = await _russian_and_chinese_admins(emulator, start_ferryman)
    pan = emulator.user("Pan", lang="zh", started=True)
    driver = await add_driver(app, pan)
    trip = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, trip)
    photo, _, _ = await receive_assignment(pan)
    for _ in range(4):  # accept, picked up, crossed, delivered
        await tap(pan, photo, photo.buttons[0])

    # The VIN plate, then a recompressed copy of it as the dashboard (a near copy, flagged),
    # then the car at the lot; delivered 12 km from the lot (flagged too).
    await pan.next_message()
    vin_plate = camera_photo(41)
    await pan.send_photo(vin_plate)
    await pan.next_message()
    await pan.send_photo(recompressed(vin_plate))
    await pan.next_message()
    await pan.send_photo(camera_photo(43))
    prompt = await pan.next_message()
    await pan.press(prompt, prompt.keyboard[0][0]["text"], location=TWELVE_KM_OUT)
    await pan.next_message()

    tr = state_of(app).translator
    checklist = state_of(app).settings.delivery.photo_checklist
    for owner, language, lot in (
        (olga, "ru", "Площадка выдачи в Жаркенте"),
        (wang, "zh", "扎尔肯特交车场"),
    ):
        near_copy, flagged, *album, pin = await owner.next_messages(3 + len(checklist))
        # The near copy names both checklist items in the admin's words.
        assert str(trip.id) in shown(near_copy)
        assert item_name("dashboard", tr, language) in shown(near_copy)
        assert item_name("vin_plate", tr, language) in shown(near_copy)
        # The flagged delivery names the lot as this admin calls it, in the alert and the pin.
        assert lot in shown(flagged) and lot in shown(pin)
        assert all(m.photo for m in album)
        for message in (near_copy, flagged, album[0], pin):
            assert_reads_only(language, shown(message))


async def test_a_problem_report_reaches_each_admin_in_their_language(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    app, olga, wang = await _russian_and_chinese_admins(emulator, start_ferryman)
    pan = emulator.user("Pan", lang="zh", started=True)
    driver = await add_driver(app, pan)
    trip = await assign(app, driver, vin=VIN, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, trip)
    await receive_assignment(pan)

    # A voice note and the place, no words of the driver's own: all the admins read is ours.
    await pan.send("/problem")
    await pan.next_message()
    await pan.send_voice(duration=7)
    await pan.next_message()
    await pan.send_location(44.1900, 80.2100)
    added = await pan.next_message()
    await tap(pan, added, added.buttons[0])  # Send
    await pan.next_message()

    for owner, language in ((olga, "ru"), (wang, "zh")):
        summary, voice, _place = await owner.next_messages(3)
        assert_reads_only(language, shown(summary))
        assert_reads_only(language, shown(voice))
        assert str(trip.id) in shown(summary)


async def test_a_driver_blocking_the_bot_is_told_with_the_reason_in_the_admins_language(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    olga = emulator.user("Olga", lang="ru", started=True)
    app = await start_ferryman(
        owners=(olga.id,), group_chat_id=None, extra={"company": {"default_language": "en"}}
    )
    await olga.send("/start")
    await olga.next_message()
    pan = emulator.user("Pan", lang="zh", started=True)
    await add_driver(app, pan)
    await pan.block()
    alert = shown(await olga.next_message())
    assert "заблокировал бота" in alert
    assert not re.search(r"[A-Za-z]", re.sub(r"\bPan\b|\bTelegram\b", "", alert)), alert
