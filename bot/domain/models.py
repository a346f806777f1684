"""Domain records returned by the repositories. Times are timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.events import EventKind
from bot.domain.lifecycle import Status


class DriverStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class ClearanceKind(StrEnum):
    IMPORTED = "imported"  # opaque string from the customs platform, kept verbatim
    GENERATED = "generated"  # Ferryman's signed token


class ProofKind(StrEnum):
    PHOTO = "photo"
    LOCATION = "location"


@dataclass(frozen=True, slots=True)
class Driver:
    id: int
    telegram_id: int | None
    name: str
    phone: str
    passport_number: str
    passport_expiry: date | None
    language: str
    status: DriverStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    code: str
    name: str
    kind: str
    latitude: float
    longitude: float
    address: str
    timezone: str = ""  # IANA name; empty: the company's zone
    names: Mapping[str, str] = field(default_factory=dict)

    def name_in(self, language: str) -> str:
        """The name in the reader's language when the settings give one."""
        return self.names.get(language) or self.name

    def zone(self, company_zone: ZoneInfo) -> ZoneInfo:
        return ZoneInfo(self.timezone) if self.timezone else company_zone


@dataclass(frozen=True, slots=True)
class Vehicle:
    id: int
    vin: str
    model: str
    colour: str


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    service_date: date
    driver_id: int | None
    vehicle_id: int
    pickup_place_id: int
    destination_place_id: int
    pickup_at: datetime
    deliver_by: datetime
    receiver_name: str
    receiver_phone: str
    clearance_code: str
    clearance_kind: ClearanceKind
    status: Status
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Trip:
    """An assignment with everything needed to show it: the car, both places, the driver."""

    assignment: Assignment
    vehicle: Vehicle
    pickup: Place
    destination: Place
    driver: Driver | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    assignment_id: int
    chat_id: int
    message_id: int
    purpose: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Proof:
    id: int
    assignment_id: int
    kind: ProofKind
    checklist_item: str | None
    file_id: str | None
    file_unique_id: str | None
    sha256: str | None
    media_path: str | None
    latitude: float | None
    longitude: float | None
    horizontal_accuracy: float | None
    distance_m: float | None
    flagged: bool
    live: bool
    telegram_at: datetime
    received_at: datetime
    phash: str | None = None  # perceptual hash (hex) of a photo, to find near copies
    stage: str = "delivery"  # "pickup" photos are taken at the yard before "Picked up"


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the append-only audit trail."""

    id: int
    kind: EventKind
    actor_telegram_id: int | None
    assignment_id: int | None
    driver_id: int | None
    telegram_at: datetime | None
    recorded_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
