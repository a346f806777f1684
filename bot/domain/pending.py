"""What the bot is waiting for from a person: the kinds of pending input.

The pending-input router (``handlers.router``) sends a private message to the dialog
registered for the caller's pending kind. To add a dialog, add a member here and register a
handler for it with ``@dialog(InputKind.X)``; see /work/coord/console.md. The values are stored
in ``pending_inputs.kind``: never change one.
"""

from __future__ import annotations

from enum import StrEnum


class InputKind(StrEnum):
    ONBOARDING = "onboarding"  # registration in progress (its own table: registrations)
    PROOF = "proof"  # the delivery checklist photos, then the location
    LIVE = "live"  # a live location shared at delivery still moves; no message is expected
    PROBLEM = "problem"  # the next message describes a problem
    VERIFY = "verify"  # after a bare /verify: the next photo is a QR to check
    STAFF_CONTACT = "staff_contact"  # an owner shares the contact of a new admin or gatekeeper
    RECEIVER_NOTE = "receiver_note"  # the receiver at the lot describes a problem with the car
    PICKUP = "pickup"  # the pickup checklist photos, before "Picked up" is accepted
