from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.clearance import ClearanceService
from bot.domain.events import EventKind
from bot.i18n import Translator
from bot.services.digest import GROUP_DIGEST, MAX_LISTED, MESSAGE_LIMIT, collect, render
from bot.services.manifest_changes import reassign
from storage.repositories import Repositories
from tests.services.helpers import NOW, add_driver, add_trip

ZONE_NAME = "Asia/Shanghai"


async def test_digest_counts_lists_and_moves_its_cursor(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver = await add_driver(repos, 1)
    trip = await add_trip(repos, clearance, driver)
    for kind, payload in (
        (EventKind.SEND, {}),
        (EventKind.DECLINE, {}),
        (EventKind.DELIVER, {"flagged": True, "distance_m": 12045}),
        (EventKind.PROBLEM, {"text": "x"}),
        (EventKind.PROOF_PHOTO, {}),  # not counted
    ):
        await repos.events.append(
            kind, recorded_at=NOW, assignment_id=trip.assignment.id, payload=payload
        )
    digest = await collect(repos)
    assert digest is not None
    assert dict(digest.counts) == {"send": 1, "decline": 1, "deliver": 1, "problem": 1}
    (text,) = render(digest, Translator.load("en"), "en", ZoneInfo(ZONE_NAME))
    assert "Dispatched: 1 · Delivered: 1 · Declined: 1 · Problems: 1" in text
    assert "12,045 m from Zharkent delivery lot" in text and trip.vehicle.vin in text
    assert "(UTC+8)" in text
    await repos.digests.advance(GROUP_DIGEST, digest.last_event_id, NOW)
    assert await collect(repos) is None
    await repos.events.append(EventKind.ACCEPT, recorded_at=NOW + timedelta(minutes=5))
    later = await collect(repos)
    assert later is not None and dict(later.counts) == {"accept": 1}


async def test_a_busy_day_is_summed_up_and_split_into_telegram_sized_messages(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver = await add_driver(repos, 1)
    trip = await add_trip(repos, clearance, driver)
    for _ in range(MAX_LISTED + 15):
        await repos.events.append(
            EventKind.DELIVER,
            recorded_at=NOW,
            assignment_id=trip.assignment.id,
            payload={"flagged": True, "distance_m": 5000},
        )
    digest = await collect(repos)
    assert digest is not None
    messages = render(digest, Translator.load("en"), "en", ZoneInfo(ZONE_NAME))
    joined = "\n".join(messages)
    assert joined.count("⚠️") == MAX_LISTED and "… and 15 more" in joined
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)


async def test_a_decline_names_who_declined_though_the_trip_has_a_new_driver(
    repos: Repositories, clearance: ClearanceService
) -> None:
    ma, daniyar = await add_driver(repos, 1), await add_driver(repos, 2)
    trip = await add_trip(repos, clearance, ma)
    await repos.events.append(
        EventKind.DECLINE, recorded_at=NOW, assignment_id=trip.assignment.id, driver_id=ma.id
    )
    await reassign(repos, trip.assignment.id, daniyar, now=NOW, actor=700)
    digest = await collect(repos)
    assert digest is not None
    (text,) = render(digest, Translator.load("en"), "en", ZoneInfo(ZONE_NAME))
    assert f"❌ Declined: #{trip.assignment.id} {trip.vehicle.vin}, Driver 1" in text
    assert "Driver 2" not in text
