"""Long texts full of emoji still reach people: Telegram counts UTF-16 units, and so do we."""

from __future__ import annotations

from botapi_emulator import Emulator, sample_image
from tests.conftest import StartFerryman
from tests.e2e.admin_helpers import add_driver
from tests.e2e.helpers import tap


async def test_a_problem_photo_with_a_long_emoji_caption_reaches_the_staff(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    pan = emulator.user("Pan Guangde", lang="en", started=True)
    await add_driver(app, pan, language="en")
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
