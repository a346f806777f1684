"""Drivers on the road read times where they are, in their own language (issue 10)."""

from __future__ import annotations

import re

from botapi_emulator import ChatMessage, EmulatedUser, Emulator
from tests.conftest import FIXED_NOW, NAMED_PLACES, StartFerryman
from tests.e2e.helpers import (
    assign,
    camera_photo,
    dispatch,
    invite,
    receive_assignment,
    register,
    state_of,
    tap,
)
from tests.test_screens_language import english_words


def plain(text: str | None) -> str:
    """Babel separates "2025 г." and "12 045" with no-break spaces; compare as plain spaces."""
    return (text or "").replace("\u202f", " ").replace("\xa0", " ")


NEAR_THE_LOT = (44.1650, 80.0030)  # ~240 m from the Zharkent lot


async def _deliver(driver: EmulatedUser, photo: ChatMessage, photos: int) -> ChatMessage:
    """Accept, picked up, crossed, delivered; the checklist photos; the location."""
    for _ in range(4):
        await tap(driver, photo, photo.buttons[0])
    for shade in range(photos):
        await driver.next_message()  # "photo n of 3"
        await driver.send_photo(camera_photo(driver.id * 10 + shade))
    prompt = await driver.next_message()
    await driver.press(prompt, prompt.keyboard[0][0]["text"], location=NEAR_THE_LOT)
    return await driver.next_message()


async def test_russian_driver_reads_the_deadline_in_kazakh_time_with_company_time_beside(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="zh", started=True)
    ivan = emulator.user("Ivan Petrov", lang="ru", phone="+7 701 000 0002")
    app = await start_ferryman(owners=(owner.id,), extra={"places": NAMED_PLACES})
    await register(owner, ivan, name="Иван Петров", passport="N7654321", language="ru")
    driver = await state_of(app).repos.drivers.by_telegram_id(ivan.id)
    assert driver is not None and driver.phone == "+77010000002"  # normalised
    assignment = await assign(
        app, driver, vin="LRWYGCEK2PC000002", service_date=FIXED_NOW.date(), now=FIXED_NOW
    )
    await dispatch(app, assignment)
    photo, _, destination = await receive_assignment(ivan)
    caption = plain(photo.caption)
    # Pick-up at the Horgos yard at 08:30 Beijing time; deliver by 14:30 in Zharkent, which
    # is 17:30 at the company.
    assert "📍 Где забрать: Хоргосская экспортная площадка, 10 мар. 2025 г., 08:30 (UTC+8)" in (
        caption
    )
    assert "⏰ Доставить до: 10 мар. 2025 г., 14:30 (UTC+5) · 17:30 (UTC+8)" in caption
    assert "🏁 Куда доставить: Площадка выдачи в Жаркенте" in caption
    assert "BYD Song Plus DM-i, белый" in caption  # the colour is translated
    assert destination.venue is not None and "Жаркенте" in destination.venue["title"]
    done = await _deliver(ivan, photo, photos=3)
    assert re.search(r"Доставлено: рейс №\d+, 2\d\d м от площадки", plain(done.text))
    handover = await ivan.next_message()
    assert handover.photo and "Передача машины по рейсу" in (handover.caption or "")


async def test_kazakh_driver_registers_and_delivers_in_kazakh(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="zh", started=True)
    aigerim = emulator.user("Aigerim Sadyk", lang="kk", phone="+77010000003")
    app = await start_ferryman(owners=(owner.id,), extra={"places": NAMED_PLACES})

    # The phone says Kazakh: the bot speaks Kazakh from the first word.
    token = await invite(owner, "Айгерім Садық")
    await aigerim.send(f"/start {token}")
    choose = await aigerim.next_message()
    assert choose.text == "Тілді таңдаңыз:" and "Қазақша" in choose.buttons
    await tap(aigerim, choose, "Қазақша")
    share = await aigerim.next_message()
    await aigerim.press(share, "📱 Телефон нөмірімді жіберу")
    await aigerim.next_message()  # the name
    await aigerim.send("Айгерім Садық")
    await aigerim.next_message()  # the passport number
    await aigerim.send("N1234567")
    expiry_prompt = await aigerim.next_message()
    assert "31.05.2030" in (expiry_prompt.text or "")  # the example in her own format
    await aigerim.send("31 мамыр")
    refused = await aigerim.next_message()
    assert refused.text == "Бұл күнді түсіне алмадым. Былай жіберіңіз: 31.05.2030."
    await aigerim.next_message()  # asked again
    await aigerim.send("31.05.2030")
    welcome = await aigerim.next_message()
    assert (welcome.text or "").startswith("Тіркелдіңіз. Қош келдіңіз, Айгерім Садық!")

    state = state_of(app)
    driver = await state.repos.drivers.by_telegram_id(aigerim.id)
    assert driver is not None and driver.language == "kk"
    assert (
        driver.passport_expiry is not None and driver.passport_expiry.isoformat() == "2030-05-31"
    )
    assert aigerim.menu_commands()[0]["description"] == "Бүгінгі рейс және QR-код"

    vin = "LGXCE4CB0R0000003"
    assignment = await assign(app, driver, vin=vin, service_date=FIXED_NOW.date(), now=FIXED_NOW)
    await dispatch(app, assignment)
    photo, _, _ = await receive_assignment(aigerim)
    assert "⏰ Жеткізу мерзімі: 2025 ж. 10 нау., 14:30 (UTC+5) · 17:30 (UTC+8)" in (
        plain(photo.caption)
    )
    done = await _deliver(aigerim, photo, photos=3)
    assert (done.text or "").startswith("✅ Жеткізілді:")
    handover = await aigerim.next_message()
    assert "рейстің көлігін табыстау" in (handover.caption or "")
    await aigerim.send("/me")
    assert "Төлқұжат" in ((await aigerim.next_message()).text or "")

    # Everything she saw: no English word from the catalog, only proper names and the VIN.
    for message in aigerim.messages:
        shown = [message.text or message.caption or "", *message.buttons]
        if message.venue:
            shown.append(str(message.venue["title"]))
        for text in shown:
            assert not english_words(text), f"English in a Kazakh screen: {text!r}"
