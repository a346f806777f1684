"""The assignment lifecycle as one table of allowed transitions.

After pickup the driver holds the car, so cancelling cannot end the trip at once: it turns
into "returning to the yard", and the trip ends (cancelled) only when the yard has the car
back. A mistaken "crossed the border" press is undone by an admin's correction back to
"picked up"; the correction is an event of its own, the original press stays in the record.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PLANNED = "planned"
    SENT = "sent"
    ACCEPTED = "accepted"
    PICKED_UP = "picked_up"
    CROSSED = "crossed"
    # Cancelled after pickup: the driver is bringing the car back to the yard.
    RETURNING = "returning"
    DELIVERED = "delivered"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Action(StrEnum):
    SEND = "send"
    ACCEPT = "accept"
    DECLINE = "decline"
    PICK_UP = "pick_up"
    CROSS = "cross"
    DELIVER = "deliver"
    CANCEL = "cancel"
    # An admin gives a declined (or not yet sent) trip to someone else: back to planned.
    REASSIGN = "reassign"
    # The yard has the car back (after a cancel that came once the driver held it).
    RETURN_TO_YARD = "return_to_yard"
    # An admin undoes a "crossed the border" press made by mistake.
    CORRECT_CROSSING = "correct_crossing"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.PLANNED, Action.SEND): Status.SENT,
    (Status.PLANNED, Action.CANCEL): Status.CANCELLED,
    (Status.PLANNED, Action.REASSIGN): Status.PLANNED,
    (Status.SENT, Action.ACCEPT): Status.ACCEPTED,
    (Status.SENT, Action.DECLINE): Status.DECLINED,
    (Status.SENT, Action.CANCEL): Status.CANCELLED,
    (Status.SENT, Action.REASSIGN): Status.PLANNED,
    (Status.ACCEPTED, Action.PICK_UP): Status.PICKED_UP,
    (Status.ACCEPTED, Action.CANCEL): Status.CANCELLED,
    (Status.ACCEPTED, Action.REASSIGN): Status.PLANNED,
    (Status.PICKED_UP, Action.CROSS): Status.CROSSED,
    (Status.PICKED_UP, Action.CANCEL): Status.RETURNING,
    (Status.RETURNING, Action.RETURN_TO_YARD): Status.CANCELLED,
    (Status.CROSSED, Action.DELIVER): Status.DELIVERED,
    (Status.CROSSED, Action.CORRECT_CROSSING): Status.PICKED_UP,
    (Status.DECLINED, Action.REASSIGN): Status.PLANNED,
    (Status.DECLINED, Action.CANCEL): Status.CANCELLED,
}

TERMINAL = frozenset({Status.DELIVERED, Status.CANCELLED})
# States in which the driver still holds the car or is about to: the driver's "current" trip.
ACTIVE = frozenset(
    {Status.SENT, Status.ACCEPTED, Status.PICKED_UP, Status.CROSSED, Status.RETURNING}
)


class IllegalTransition(Exception):
    """The action is not allowed from the current status; nothing was changed."""

    def __init__(self, current: Status, action: Action) -> None:
        self.current = current
        self.action = action
        super().__init__(f"cannot {action.value} an assignment that is {current.value}")


def next_status(current: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(current, action) from None


def allowed_actions(current: Status) -> tuple[Action, ...]:
    """Actions legal from ``current``, in table order (used to build keyboards)."""
    return tuple(action for (status, action) in TRANSITIONS if status is current)
