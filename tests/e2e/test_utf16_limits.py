"""Long texts full of emoji still reach people: Telegram counts UTF-16 units, and so do we."""

from __future__ import annotations

from datetime import date

from botapi_emulator import Emulator, sample_image
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import state_of, tap


async def test_a_problem_photo_with_a_long_emoji_caption_reaches_the_staff(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    await state_of(app).repos.drivers.add(
        name=pan.name,
        now=FIXED_NOW,
        telegram_id=pan.id,
        phone="+8613800000001",
        passport_number="E12345678",
        passport_expiry=date(2030, 8, 1),
        language="en",
    )
    await pan.send("/problem")
    await pan.next_message()
    # 900 emoji: under the 1,000-character note limit, but 1,800 UTF-16 units.
    await pan.send_photo(sample_image(), caption="Dent 😡" + "😡" * 899)
    await tap(pan, await pan.next_message(), "✅ Send")
    assert "Thank you" in ((await pan.next_message()).text or "")
    _, staff = await owner.next_messages(2)  # the summary, then the photo as sent
    assert staff.photo
    caption = staff.caption or ""
    assert "Dent 😡" in caption and caption.endswith("…")
    assert len(caption.encode("utf-16-le")) // 2 <= 1024
