"""The photos a delivery's checklist can ask for: settings name them, prompts translate them."""

from __future__ import annotations

from enum import StrEnum


class ProofItem(StrEnum):
    VIN_PLATE = "vin_plate"
    DASHBOARD = "dashboard"  # odometer and state of charge
    CAR_AT_LOT = "car_at_lot"
    # The four sides, taken at the yard before "Picked up": damage is on record before the border.
    FRONT = "front"
    REAR = "rear"
    LEFT_SIDE = "left_side"
    RIGHT_SIDE = "right_side"


DELIVERY_CHECKLIST = (ProofItem.VIN_PLATE, ProofItem.DASHBOARD, ProofItem.CAR_AT_LOT)
PICKUP_CHECKLIST = (
    ProofItem.VIN_PLATE,
    ProofItem.FRONT,
    ProofItem.REAR,
    ProofItem.LEFT_SIDE,
    ProofItem.RIGHT_SIDE,
)
