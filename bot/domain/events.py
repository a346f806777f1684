"""Event kinds: the names of the facts in the append-only events table.

One enum for the writers (services), the readers (digest, board, export) and the tests, so a
renamed or mistyped kind is a type error instead of an event nobody ever counts. The values
are what the table stores: never change one, add a new member instead.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.lifecycle import Action


class EventKind(StrEnum):
    # An assignment's lifecycle: the values are those of lifecycle.Action.
    CREATED = "created"
    MANIFEST_IMPORTED = "manifest_imported"
    SEND = "send"
    RESENT = "resent"
    ACCEPT = "accept"
    DECLINE = "decline"
    PICK_UP = "pick_up"
    CROSS = "cross"
    DELIVER = "deliver"
    CANCEL = "cancel"
    REASSIGN = "reassign"
    RETURN_TO_YARD = "return_to_yard"
    CORRECT_CROSSING = "correct_crossing"
    # Delivery proof and problems.
    DELIVERY_STARTED = "delivery_started"
    PROOF_PHOTO = "proof_photo"
    PHOTO_NEAR_COPY = "photo_near_copy"  # accepted, but looks like an earlier proof photo
    VIN_MISMATCH = "vin_mismatch"  # the VIN plate's barcode names another car
    HANDOVER_OFFERED = "handover_offered"  # the receiver's one-time link shown to the driver
    RECEIVER_CONFIRMED = "receiver_confirmed"
    RECEIVER_PROBLEM = "receiver_problem"
    PROBLEM = "problem"
    # The border, for the visa-free count.
    BORDER_CROSSED = "border_crossed"
    BORDER_RETURNED = "border_returned"
    # People.
    DRIVER_REGISTERED = "driver_registered"
    INVITATION_CREATED = "invitation_created"
    STAFF_INVITED = "staff_invited"
    ADMIN_ADDED = "admin_added"
    ADMIN_REMOVED = "admin_removed"
    CHECKPOINT_ADDED = "checkpoint_added"
    CHECKPOINT_REMOVED = "checkpoint_removed"
    LANGUAGE_SET = "language_set"
    # The gate and the paperwork.
    CLEARANCE_VERIFIED = "clearance_verified"
    CLEARANCE_REFUSED = "clearance_refused"
    QR_SHEET_PRINTED = "qr_sheet_printed"
    # Chats the bot is in.
    GROUP_LEFT = "group_left"
    GROUP_MIGRATED = "group_migrated"
    # Sending: the outbox, dispatch and the scheduler's reminders.
    OUTBOX_FAILED = "outbox_failed"
    DRIVER_UNREACHABLE = "driver_unreachable"
    DRIVER_REACHABLE = "driver_reachable"
    CHAT_UNREACHABLE = "chat_unreachable"
    NOT_DISPATCHED = "not_dispatched"
    REMINDER = "reminder"  # one step of the reminder/escalation ladder, named in the payload
    DISPATCH_REQUESTED = "dispatch_requested"  # an admin's /dispatch or "Import and send now"
    BROADCAST = "broadcast"  # an admin's /broadcast to all active drivers

    @classmethod
    def of_action(cls, action: Action) -> EventKind:
        """The event that records a lifecycle action (same name, by construction)."""
        return cls(action.value)
