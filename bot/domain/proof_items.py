"""The photos a delivery's checklist can ask for: settings name them, prompts translate them."""

from __future__ import annotations

from enum import StrEnum


class ProofItem(StrEnum):
    VIN_PLATE = "vin_plate"
    DASHBOARD = "dashboard"  # odometer and state of charge
    CAR_AT_LOT = "car_at_lot"
