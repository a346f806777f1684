"""Problem reports on the road: a note, a voice message and the place, sent together."""

from __future__ import annotations

from bot.domain.events import EventKind
from botapi_emulator import Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import state_of, tap

ON_THE_ROAD = (44.1900, 80.2100)


async def test_a_voice_note_and_a_location_reach_the_admins_through_problem(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    group = emulator.group("Dispatch", members=[owner])
    app = await start_ferryman(
        owners=(owner.id,),
        group_chat_id=group.id,
        extra={"company": {"dispatcher_phone": "+86 139 0000 0009", "default_language": "en"}},
    )
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    state = state_of(app)
    driver = await add_driver(app, pan, language="en")

    await pan.send("/problem")
    prompt = await pan.next_message()
    assert prompt.buttons == ["✅ Send", "✖️ Cancel", "📞 Call the dispatcher"]
    # The dispatcher's card first: one tap on it calls.
    await tap(pan, prompt, "📞 Call the dispatcher")
    card = await pan.next_message()
    assert card.contact is not None and card.contact["phone_number"] == "+8613900000009"

    await pan.send("Engine warning light, stopped on the shoulder")
    assert "Added (1)" in ((await pan.next_message()).text or "")
    await pan.send_voice(duration=7)
    assert "Added (2)" in ((await pan.next_message()).text or "")
    await pan.send_location(*ON_THE_ROAD)
    added = await pan.next_message()
    assert "Added (3)" in (added.text or "")
    await owner.no_message()  # nothing goes out before "Send"
    await tap(pan, added, "✅ Send")
    assert "Thank you" in ((await pan.next_message()).text or "")

    summary, voice, place = await owner.next_messages(3)
    assert "Engine warning light" in (summary.text or "") and "2 attachments" in (
        summary.text or ""
    )
    assert voice.data.get("voice") is not None and "(1/2)" in (voice.caption or "")
    assert place.location is not None
    assert (place.location["latitude"], place.location["longitude"]) == ON_THE_ROAD
    assert "Engine warning light" in ((await group.next_message()).text or "")

    (report,) = [
        e for e in await state.repos.events.for_driver(driver.id) if e.kind is EventKind.PROBLEM
    ]
    assert [item["kind"] for item in report.payload["items"]] == ["text", "voice", "location"]
    # The report is closed: a message now is not part of it.
    await pan.send("hello")
    assert "Added" not in ((await pan.next_message()).text or "")


async def test_send_with_nothing_in_it_says_what_to_send(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    await state_of(app).repos.drivers.add(
        name="Pan Guangde", now=FIXED_NOW, telegram_id=pan.id, language="en"
    )
    await pan.send("/problem")
    prompt = await pan.next_message()
    assert "📞 Call the dispatcher" not in prompt.buttons  # no dispatcher_phone set
    answer = await tap(pan, prompt, "✅ Send")
    assert "Nothing to send yet" in str(answer.get("text"))
    await tap(pan, prompt, "✖️ Cancel")
    assert "cancelled" in ((await pan.next_message()).text or "")
    await owner.no_message()
