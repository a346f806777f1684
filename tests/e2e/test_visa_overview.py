"""/visa: what an admin sees of the drivers' visa-free days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.events import EventKind
from bot.domain.models import Driver
from bot.state import AppState
from botapi_emulator import Emulator
from tests.conftest import FIXED_NOW, StartFerryman
from tests.e2e.helpers import state_of

CROSSED, RETURNED = EventKind.BORDER_CROSSED, EventKind.BORDER_RETURNED


async def _driver(
    state: AppState, n: int, name: str, history: list[tuple[EventKind, datetime]]
) -> Driver:
    driver = await state.repos.drivers.add(
        name=name,
        now=FIXED_NOW,
        telegram_id=800 + n,
        phone=f"+86138000000{n:02d}",
        passport_number=f"E1234567{n}",
        passport_expiry=date(2030, 8, 1),
        language="zh",
    )
    for kind, at in history:
        await state.repos.events.append(kind, recorded_at=at, driver_id=driver.id)
    return driver


async def test_admins_see_the_real_last_day_the_days_over_and_records_to_check(
    emulator: Emulator, start_ferryman: StartFerryman
) -> None:
    owner = emulator.user("Li Wei", lang="en", started=True)
    app = await start_ferryman(owners=(owner.id,))
    state = state_of(app)
    # Today is 2025-03-10. 85 days this winter, back in since 3 March: 93 of 90.
    await _driver(
        state,
        1,
        "Over Limit",
        [
            (CROSSED, datetime(2024, 11, 20, 4, tzinfo=UTC)),
            (RETURNED, datetime(2025, 2, 12, 10, tzinfo=UTC)),
            (CROSSED, datetime(2025, 3, 3, 4, tzinfo=UTC)),
        ],
    )
    await _driver(state, 2, "In Kazakhstan", [(CROSSED, datetime(2025, 3, 9, 4, tzinfo=UTC))])
    # A return typed with a wrong year: it has not happened, so she is still in Kazakhstan.
    await _driver(
        state,
        3,
        "Future Record",
        [
            (CROSSED, datetime(2025, 3, 8, 4, tzinfo=UTC)),
            (RETURNED, datetime(2026, 3, 8, 10, tzinfo=UTC)),
        ],
    )
    await _driver(state, 4, "Day Tripper", [(CROSSED, datetime(2025, 3, 1, 4, tzinfo=UTC))])
    await state.repos.events.append(
        RETURNED, recorded_at=datetime(2025, 3, 1, 10, tzinfo=UTC), driver_id=4
    )

    await owner.send("/visa")
    text = (await owner.next_message()).text or ""

    assert "Visa-free days on 2025-03-10 (Kazakhstan time, UTC+5)" in text
    lines = text.splitlines()[1:]
    assert lines[0] == (
        "⛔ Over Limit: had to be back in China by the end of 2025-03-07; days over: 3. "
        "Last 180 days: 93 of 90."
    )
    assert (
        "🇰🇿 In Kazakhstan: in Kazakhstan since 2025-03-09, back by the end of 2025-04-07. "
        "Last 180 days: 2 of 90." in lines
    )
    assert any(
        line.startswith("❓ Future Record:") and "2026-03-08, in the future (not counted)" in line
        for line in lines
    )
    assert "Day Tripper" not in text

    stranger = emulator.user("Nobody", lang="en", started=True)
    await stranger.send("/visa")
    assert "for company admins" in ((await stranger.next_message()).text or "")
