"""Refusals a handler turns into a translated answer; nothing was stored when raised."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    NOT_REGISTERED = "not_registered"
    NOT_YOUR_ASSIGNMENT = "not_your_assignment"
    UNKNOWN_ASSIGNMENT = "unknown_assignment"
    ILLEGAL_STEP = "illegal_step"
    STALE = "stale"
    NOT_IN_KAZAKHSTAN = "not_in_kazakhstan"
    NO_DELIVERY_IN_PROGRESS = "no_delivery_in_progress"
    FORWARDED = "forwarded"
    PICKED_PLACE = "picked_place"
    FILE_TOO_LARGE = "file_too_large"
    NOT_AN_IMAGE = "not_an_image"
    NOT_ADMIN = "not_admin"
    NOT_OWNER = "not_owner"
    NOT_STAFF = "not_staff"
    SUSPENDED = "suspended"
    ALREADY_FILED = "already_filed"
    PHOTO_REUSED = "photo_reused"
    EMPTY_REPORT = "empty_report"
    VIN_MISMATCH = "vin_mismatch"
    REPORT_FULL = "report_full"


class ServiceRefused(Exception):
    def __init__(self, reason: Refusal, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
