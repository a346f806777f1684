from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clearance import ClearanceService
from bot.clearance.codes import InvalidImportedCode
from bot.domain.events import EventKind
from bot.domain.lifecycle import Action, Status
from bot.domain.models import Assignment, ClearanceKind, Driver, DriverStatus
from bot.services import trips
from bot.services.assignments import NewAssignment, create_assignment
from bot.services.errors import Refusal, ServiceRefused
from bot.services.visa import driver_visa_status, is_in_kazakhstan
from storage.repositories import Repositories
from tests.services.helpers import NOW, SERVICE_DATE, VIN_2, add_driver, add_trip


async def _sent(
    repos: Repositories, clearance: ClearanceService, telegram_id: int = 1
) -> tuple[Driver, Assignment]:
    driver = await add_driver(repos, telegram_id)
    trip = await add_trip(repos, clearance, driver)
    sent = await repos.assignments.set_status(trip.assignment, Status.SENT, NOW)
    return driver, sent


async def test_a_new_assignment_gets_a_generated_code(
    repos: Repositories, clearance: ClearanceService
) -> None:
    trip = await add_trip(repos, clearance, None)
    assert trip.assignment.clearance_kind is ClearanceKind.GENERATED
    assert trip.assignment.clearance_code
    assert trip.assignment.status is Status.PLANNED


async def test_the_driver_walks_the_lifecycle_and_each_step_is_audited(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver, sent = await _sent(repos, clearance)
    for action in (Action.ACCEPT, Action.PICK_UP, Action.CROSS):
        await trips.apply_driver_action(
            repos, 1, sent.id, action, now=NOW, telegram_at=NOW - timedelta(seconds=2)
        )
    stored = await repos.assignments.get(sent.id)
    assert stored is not None and stored.status is Status.CROSSED
    kinds = [e.kind for e in await repos.events.for_assignment(sent.id)]
    assert kinds == ["created", "accept", "pick_up", "cross", "border_crossed"]
    assert await is_in_kazakhstan(repos, driver.id)


async def test_repeated_or_out_of_order_presses_change_nothing(
    repos: Repositories, clearance: ClearanceService
) -> None:
    _, sent = await _sent(repos, clearance)
    with pytest.raises(ServiceRefused) as refused:
        await trips.apply_driver_action(repos, 1, sent.id, Action.CROSS, now=NOW, telegram_at=None)
    assert refused.value.reason is Refusal.ILLEGAL_STEP
    await trips.apply_driver_action(repos, 1, sent.id, Action.ACCEPT, now=NOW, telegram_at=None)
    with pytest.raises(ServiceRefused):
        await trips.apply_driver_action(
            repos, 1, sent.id, Action.ACCEPT, now=NOW, telegram_at=None
        )
    stored = await repos.assignments.get(sent.id)
    assert stored is not None and stored.status is Status.ACCEPTED
    kinds = [e.kind for e in await repos.events.for_assignment(sent.id)]
    assert kinds.count(EventKind.ACCEPT) == 1


async def test_another_drivers_assignment_is_refused(
    repos: Repositories, clearance: ClearanceService
) -> None:
    _, sent = await _sent(repos, clearance, telegram_id=1)
    await add_driver(repos, 2)
    with pytest.raises(ServiceRefused) as refused:
        await trips.apply_driver_action(
            repos, 2, sent.id, Action.ACCEPT, now=NOW, telegram_at=None
        )
    assert refused.value.reason is Refusal.NOT_YOUR_ASSIGNMENT
    with pytest.raises(ServiceRefused) as stranger:
        await trips.apply_driver_action(
            repos, 3, sent.id, Action.ACCEPT, now=NOW, telegram_at=None
        )
    assert stranger.value.reason is Refusal.NOT_REGISTERED
    stored = await repos.assignments.get(sent.id)
    assert stored is not None and stored.status is Status.SENT


async def test_a_suspended_driver_is_refused_on_their_own_trip(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver, sent = await _sent(repos, clearance, telegram_id=1)
    await repos.drivers.set_status(driver.id, DriverStatus.SUSPENDED)
    with pytest.raises(ServiceRefused) as refused:
        await trips.apply_driver_action(
            repos, 1, sent.id, Action.ACCEPT, now=NOW, telegram_at=None
        )
    assert refused.value.reason is Refusal.SUSPENDED
    with pytest.raises(ServiceRefused) as unknown:
        await trips.owned_trip(repos, 1, sent.id + 100)
    assert unknown.value.reason is Refusal.SUSPENDED  # who is asking comes first
    await repos.drivers.set_status(driver.id, DriverStatus.ACTIVE)
    with pytest.raises(ServiceRefused) as unknown:
        await trips.owned_trip(repos, 1, sent.id + 100)
    assert unknown.value.reason is Refusal.UNKNOWN_ASSIGNMENT
    stored = await repos.assignments.get(sent.id)
    assert stored is not None and stored.status is Status.SENT


async def test_back_in_china_ends_the_stay_once(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver, sent = await _sent(repos, clearance)
    for action in (Action.ACCEPT, Action.PICK_UP, Action.CROSS):
        await trips.apply_driver_action(repos, 1, sent.id, action, now=NOW, telegram_at=NOW)
    later = NOW + timedelta(hours=10)
    await trips.return_to_china(repos, 1, now=later, telegram_at=later)
    assert not await is_in_kazakhstan(repos, driver.id)
    with pytest.raises(ServiceRefused) as refused:
        await trips.return_to_china(repos, 1, now=later, telegram_at=later)
    assert refused.value.reason is Refusal.NOT_IN_KAZAKHSTAN
    visa = await driver_visa_status(repos, driver.id, later)
    assert (visa.in_kazakhstan, visa.window_days) == (False, 1)


async def test_current_trip_prefers_the_one_in_progress(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver, sent = await _sent(repos, clearance)
    await trips.apply_driver_action(repos, 1, sent.id, Action.ACCEPT, now=NOW, telegram_at=None)
    second = await add_trip(repos, clearance, driver, vin=VIN_2)
    await repos.assignments.set_status(second.assignment, Status.SENT, NOW)
    current = await trips.current_trip(repos, 1)
    assert current is not None and current.assignment.id == sent.id


async def test_imported_code_is_kept_verbatim_and_checked(
    repos: Repositories, clearance: ClearanceService
) -> None:
    def new(code: str) -> NewAssignment:
        return NewAssignment(
            service_date=SERVICE_DATE,
            vin=VIN_2,
            pickup_code="horgos-yard",
            destination_code="zharkent-lot",
            pickup_at=NOW,
            deliver_by=NOW + timedelta(hours=8),
            imported_code=code,
        )

    created = await create_assignment(repos, clearance, new("HG-2026/11/30 #00042 海关"), NOW)
    assert created.clearance_code == "HG-2026/11/30 #00042 海关"
    assert created.clearance_kind is ClearanceKind.IMPORTED
    with pytest.raises(InvalidImportedCode):
        await create_assignment(repos, clearance, new(" padded "), NOW)
    assert len(await repos.assignments.for_day(SERVICE_DATE)) == 1


async def test_a_return_stamped_in_the_future_does_not_bring_the_driver_back(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver, sent = await _sent(repos, clearance)
    for action in (Action.ACCEPT, Action.PICK_UP, Action.CROSS):
        await trips.apply_driver_action(repos, 1, sent.id, action, now=NOW, telegram_at=None)
    # A return typed by someone with the wrong year: it has not happened.
    await repos.events.append(
        EventKind.BORDER_RETURNED, recorded_at=NOW + timedelta(days=365), driver_id=driver.id
    )
    assert await is_in_kazakhstan(repos, driver.id, NOW)
    visa = await driver_visa_status(repos, driver.id, NOW)
    assert visa.in_kazakhstan and visa.anomalies
    # The driver can still record the real return, which then counts.
    await trips.return_to_china(repos, 1, now=NOW + timedelta(hours=3), telegram_at=None)
    assert not await is_in_kazakhstan(repos, driver.id, NOW + timedelta(hours=4))


async def test_telegram_a_minute_ahead_of_our_clock_is_not_the_future(
    repos: Repositories, clearance: ClearanceService
) -> None:
    driver = await add_driver(repos, 1)
    ahead = NOW + timedelta(minutes=1)
    await repos.events.append(
        EventKind.BORDER_CROSSED, recorded_at=NOW, telegram_at=ahead, driver_id=driver.id
    )
    visa = await driver_visa_status(repos, driver.id, NOW)
    assert visa.in_kazakhstan and visa.anomalies == ()
    assert await is_in_kazakhstan(repos, driver.id, NOW)
