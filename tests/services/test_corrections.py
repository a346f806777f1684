"""Admin steps on a trip: cancel after pickup sends the car back, a mistaken crossing is
corrected by an audited event, and every illegal step is refused with nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clearance import ClearanceService
from bot.domain.lifecycle import Action, Status
from bot.domain.models import Assignment
from bot.services import trips
from bot.services.corrections import apply_admin_action
from bot.services.errors import Refusal, ServiceRefused
from bot.services.visa import driver_visa_status, is_in_kazakhstan
from storage.repositories import Repositories
from tests.services.helpers import NOW, add_driver, add_trip

ADMIN = 1000


async def _at(repos: Repositories, clearance: ClearanceService, *actions: Action) -> Assignment:
    driver = await add_driver(repos, 1)
    trip = await add_trip(repos, clearance, driver)
    sent = await repos.assignments.set_status(trip.assignment, Status.SENT, NOW)
    for action in actions:
        await trips.apply_driver_action(repos, 1, sent.id, action, now=NOW, telegram_at=None)
    stored = await repos.assignments.get(sent.id)
    assert stored is not None
    return stored


async def test_cancelling_a_picked_up_car_keeps_the_trip_open_until_it_is_back_at_the_yard(
    repos: Repositories, clearance: ClearanceService
) -> None:
    picked = await _at(repos, clearance, Action.ACCEPT, Action.PICK_UP)
    change = await apply_admin_action(
        repos, ADMIN, picked.id, Action.CANCEL, now=NOW, reason="buyer withdrew"
    )
    assert change.returning and change.before is Status.PICKED_UP
    # Still the driver's current trip: it does not drop out of the lists.
    current = await trips.current_trip(repos, 1)
    assert current is not None and current.assignment.status is Status.RETURNING
    # The driver cannot cross with a car on its way back.
    with pytest.raises(ServiceRefused) as refused:
        await trips.apply_driver_action(
            repos, 1, picked.id, Action.CROSS, now=NOW, telegram_at=None
        )
    assert refused.value.reason is Refusal.ILLEGAL_STEP

    back = await apply_admin_action(
        repos, ADMIN, picked.id, Action.RETURN_TO_YARD, now=NOW + timedelta(hours=1)
    )
    assert back.trip.assignment.status is Status.CANCELLED
    assert await trips.current_trip(repos, 1) is None
    events = await repos.events.for_assignment(picked.id)
    assert [(e.kind, e.actor_telegram_id, e.payload) for e in events[-2:]] == [
        ("cancel", ADMIN, {"from": "picked_up", "to": "returning", "reason": "buyer withdrew"}),
        ("return_to_yard", ADMIN, {"from": "returning", "to": "cancelled"}),
    ]


async def test_a_mistaken_crossing_is_corrected_by_an_event_and_not_counted(
    repos: Repositories, clearance: ClearanceService
) -> None:
    crossed = await _at(repos, clearance, Action.ACCEPT, Action.PICK_UP, Action.CROSS)
    driver_id = crossed.driver_id
    assert driver_id is not None
    assert (await driver_visa_status(repos, driver_id, NOW)).window_days == 1

    change = await apply_admin_action(
        repos, ADMIN, crossed.id, Action.CORRECT_CROSSING, now=NOW, reason="pressed by mistake"
    )

    assert change.trip.assignment.status is Status.PICKED_UP
    visa = await driver_visa_status(repos, driver_id, NOW)
    assert visa.window_days == 0 and not visa.in_kazakhstan
    assert not await is_in_kazakhstan(repos, driver_id)
    # History is kept: the crossing is still there, the correction names it.
    events = await repos.events.for_assignment(crossed.id)
    crossing = next(e for e in events if e.kind == "border_crossed")
    correction = events[-1]
    assert correction.kind == "correct_crossing" and correction.actor_telegram_id == ADMIN
    assert correction.payload["withdraws"] == [crossing.id]
    # The real crossing later counts as usual.
    await trips.apply_driver_action(
        repos, 1, crossed.id, Action.CROSS, now=NOW + timedelta(hours=2), telegram_at=None
    )
    assert (await driver_visa_status(repos, driver_id, NOW + timedelta(hours=3))).in_kazakhstan


@pytest.mark.parametrize(
    ("steps", "action", "status"),
    [
        ((Action.ACCEPT,), Action.CORRECT_CROSSING, "accepted"),
        ((Action.ACCEPT, Action.PICK_UP), Action.RETURN_TO_YARD, "picked_up"),
        ((Action.ACCEPT, Action.PICK_UP, Action.CROSS), Action.CANCEL, "crossed"),
    ],
)
async def test_an_illegal_admin_step_is_refused_and_nothing_is_stored(
    repos: Repositories,
    clearance: ClearanceService,
    steps: tuple[Action, ...],
    action: Action,
    status: str,
) -> None:
    assignment = await _at(repos, clearance, *steps)
    before = await repos.events.for_assignment(assignment.id)
    with pytest.raises(ServiceRefused) as refused:
        await apply_admin_action(repos, ADMIN, assignment.id, action, now=NOW)
    assert refused.value.reason is Refusal.ILLEGAL_STEP
    assert refused.value.detail == status
    assert await repos.events.for_assignment(assignment.id) == before
    assert await repos.assignments.get(assignment.id) == assignment


async def test_driver_steps_are_not_admin_steps(
    repos: Repositories, clearance: ClearanceService
) -> None:
    assignment = await _at(repos, clearance)
    with pytest.raises(ServiceRefused):
        await apply_admin_action(repos, ADMIN, assignment.id, Action.ACCEPT, now=NOW)
    with pytest.raises(ServiceRefused) as unknown:
        await apply_admin_action(repos, ADMIN, 999, Action.CANCEL, now=NOW)
    assert unknown.value.reason is Refusal.UNKNOWN_ASSIGNMENT
