"""A driver's visa figures read only what matters: the last 180 days and the stay under way."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.events import EventKind
from bot.services.visa import driver_visa_status, is_in_kazakhstan
from storage.repositories import Repositories
from tests.services.helpers import NOW, add_driver


async def _border(repos: Repositories, driver_id: int, kind: EventKind, at: datetime) -> None:
    await repos.events.append(kind, recorded_at=at, telegram_at=at, driver_id=driver_id)


async def test_years_of_daily_crossings_are_read_back_only_to_the_window(
    repos: Repositories,
) -> None:
    driver = await add_driver(repos, 1)
    start = NOW - timedelta(days=3 * 365)
    for day in range(3 * 365):
        morning = start + timedelta(days=day, hours=2)
        await _border(repos, driver.id, EventKind.BORDER_CROSSED, morning)
        await _border(repos, driver.id, EventKind.BORDER_RETURNED, morning + timedelta(hours=8))

    since = NOW - timedelta(days=182)
    read = await repos.events.for_driver_since(
        driver.id, (EventKind.BORDER_CROSSED, EventKind.BORDER_RETURNED), since
    )
    assert len(read) <= 2 * 183 + 1  # not 2,190 rows
    assert read[0].recorded_at < since <= read[1].recorded_at

    visa = await driver_visa_status(repos, driver.id, NOW)
    assert not visa.in_kazakhstan
    assert visa.window_days >= 90 and visa.over_limit  # every day of the window counted


async def test_a_stay_begun_before_the_window_is_still_under_way(repos: Repositories) -> None:
    driver = await add_driver(repos, 1)
    await _border(repos, driver.id, EventKind.BORDER_CROSSED, NOW - timedelta(days=400))
    await _border(repos, driver.id, EventKind.BORDER_RETURNED, NOW - timedelta(days=399))
    await _border(repos, driver.id, EventKind.BORDER_CROSSED, NOW - timedelta(days=200))

    visa = await driver_visa_status(repos, driver.id, NOW)
    assert visa.in_kazakhstan and visa.over_limit
    assert await is_in_kazakhstan(repos, driver.id)


async def test_a_withdrawn_crossing_before_the_window_does_not_open_a_stay(
    repos: Repositories,
) -> None:
    driver = await add_driver(repos, 1)
    await _border(repos, driver.id, EventKind.BORDER_CROSSED, NOW - timedelta(days=300))
    await _border(repos, driver.id, EventKind.BORDER_RETURNED, NOW - timedelta(days=299))
    await _border(
        repos, driver.id, EventKind.BORDER_CROSSED, NOW - timedelta(days=250)
    )  # a mistake
    mistake = await repos.events.latest_for_driver(driver.id, (EventKind.BORDER_CROSSED,))
    assert mistake is not None
    await repos.events.append(
        EventKind.CORRECT_CROSSING,
        recorded_at=NOW - timedelta(days=249),
        driver_id=driver.id,
        payload={"withdraws": [mistake.id]},
    )

    visa = await driver_visa_status(repos, driver.id, NOW)
    assert not visa.in_kazakhstan and visa.window_days == 0
    assert not await is_in_kazakhstan(repos, driver.id)
