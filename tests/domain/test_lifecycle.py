"""The assignment lifecycle: every allowed transition works, every other one is refused."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.lifecycle import (
    ACTIVE,
    TERMINAL,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    next_status,
)

S, A = Status, Action

# The product as the design brief describes it, written out independently of the code's table:
# planned → sent → accepted → picked_up → crossed → delivered; declined and cancelled on the side.
EXPECTED: dict[tuple[Status, Action], Status] = {
    (S.PLANNED, A.SEND): S.SENT,
    (S.PLANNED, A.CANCEL): S.CANCELLED,
    (S.PLANNED, A.REASSIGN): S.PLANNED,
    (S.SENT, A.ACCEPT): S.ACCEPTED,
    (S.SENT, A.DECLINE): S.DECLINED,
    (S.SENT, A.CANCEL): S.CANCELLED,
    (S.SENT, A.REASSIGN): S.PLANNED,
    (S.ACCEPTED, A.PICK_UP): S.PICKED_UP,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.ACCEPTED, A.REASSIGN): S.PLANNED,
    (S.PICKED_UP, A.CROSS): S.CROSSED,
    # The driver holds the car: a cancel sends it back to the yard, the trip stays open.
    (S.PICKED_UP, A.CANCEL): S.RETURNING,
    (S.RETURNING, A.RETURN_TO_YARD): S.CANCELLED,
    (S.CROSSED, A.DELIVER): S.DELIVERED,
    # A mistaken "crossed" press, corrected by an admin.
    (S.CROSSED, A.CORRECT_CROSSING): S.PICKED_UP,
    (S.DECLINED, A.REASSIGN): S.PLANNED,
    (S.DECLINED, A.CANCEL): S.CANCELLED,
}

REFUSED = sorted(set(itertools.product(Status, Action)) - set(TRANSITIONS))


def _id(pair: tuple[Status, Action]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def test_table_is_the_designed_one() -> None:
    # A change to the lifecycle must be deliberate: it shows up here first.
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [(s, a, t) for (s, a), t in EXPECTED.items()],
    ids=[_id(pair) for pair in EXPECTED],
)
def test_allowed_transition(current: Status, action: Action, expected: Status) -> None:
    assert next_status(current, action) is expected
    assert action in allowed_actions(current)


@pytest.mark.parametrize(("current", "action"), REFUSED, ids=[_id(pair) for pair in REFUSED])
def test_refused_transition(current: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(current, action)
    assert caught.value.current is current
    assert caught.value.action is action
    # The refusal says what was attempted and from where, for the admin or driver to read.
    message = str(caught.value)
    assert action.value in message
    assert current.value in message
    assert action not in allowed_actions(current)


def test_refused_set_is_the_rest_of_the_product() -> None:
    assert len(REFUSED) + len(TRANSITIONS) == len(Status) * len(Action)
    assert len(REFUSED) > 0


def test_happy_path_reaches_delivered() -> None:
    status = Status.PLANNED
    for action in (A.SEND, A.ACCEPT, A.PICK_UP, A.CROSS, A.DELIVER):
        status = next_status(status, action)
    assert status is Status.DELIVERED


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_states_allow_nothing(status: Status) -> None:
    assert allowed_actions(status) == ()
    for action in Action:
        with pytest.raises(IllegalTransition):
            next_status(status, action)


def test_terminal_and_active_sets() -> None:
    assert {Status.DELIVERED, Status.CANCELLED} == TERMINAL
    # A car on its way back to the yard is still in the driver's hands.
    assert {S.SENT, S.ACCEPTED, S.PICKED_UP, S.CROSSED, S.RETURNING} == ACTIVE
    assert not (TERMINAL & ACTIVE)


def test_a_car_across_the_border_cannot_be_cancelled_or_reassigned() -> None:
    # Once the car has crossed, only delivery ends the trip (or a correction of the press).
    assert allowed_actions(Status.CROSSED) == (Action.DELIVER, Action.CORRECT_CROSSING)


def test_cancelling_a_picked_up_car_keeps_the_trip_open_until_the_car_is_back() -> None:
    status = next_status(S.PICKED_UP, A.CANCEL)
    assert status is S.RETURNING and status in ACTIVE
    # On the way back nothing but the return ends it: no crossing, no delivery, no re-cancel.
    assert allowed_actions(status) == (A.RETURN_TO_YARD,)
    assert next_status(status, A.RETURN_TO_YARD) is S.CANCELLED


def test_a_corrected_crossing_is_picked_up_again_and_can_be_crossed_for_real() -> None:
    status = next_status(S.CROSSED, A.CORRECT_CROSSING)
    assert status is S.PICKED_UP
    assert next_status(status, A.CROSS) is S.CROSSED


def test_every_status_is_reachable_from_planned() -> None:
    seen = {Status.PLANNED}
    frontier = [Status.PLANNED]
    while frontier:
        current = frontier.pop()
        for action in allowed_actions(current):
            target = next_status(current, action)
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(Status)


def test_allowed_actions_keep_table_order_for_keyboards() -> None:
    assert allowed_actions(Status.SENT) == (A.ACCEPT, A.DECLINE, A.CANCEL, A.REASSIGN)
