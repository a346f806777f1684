"""Repositories: the only code that writes SQL; each returns domain objects."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database
from storage.repositories.admins import AdminRepository
from storage.repositories.assignments import (
    AssignmentRepository,
    ConcurrentUpdate,
    VehicleAlreadyAssigned,
)
from storage.repositories.clearance_images import ClearanceImageRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.drivers import DriverExists, DriverRepository
from storage.repositories.events import EventRepository
from storage.repositories.handovers import HandoverRepository
from storage.repositories.manifests import ManifestRepository
from storage.repositories.onboarding import InvitationRepository, RegistrationRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.pending import PendingInputRepository
from storage.repositories.places import PlaceRepository
from storage.repositories.proofs import ProofRepository
from storage.repositories.staff import AnswerRepository, OverrideRepository, StaffRepository
from storage.repositories.trips import TripRepository
from storage.repositories.vehicles import VehicleRepository

__all__ = ["ConcurrentUpdate", "DriverExists", "Repositories", "VehicleAlreadyAssigned"]


@dataclass(frozen=True, slots=True)
class Repositories:
    db: Database
    drivers: DriverRepository
    places: PlaceRepository
    vehicles: VehicleRepository
    assignments: AssignmentRepository
    proofs: ProofRepository
    events: EventRepository
    admins: AdminRepository
    invitations: InvitationRepository
    registrations: RegistrationRepository
    pending: PendingInputRepository
    clearance_images: ClearanceImageRepository
    digests: DigestRepository
    manifests: ManifestRepository
    staff: StaffRepository
    overrides: OverrideRepository
    answers: AnswerRepository
    outbox: OutboxRepository
    handovers: HandoverRepository
    trips: TripRepository

    @classmethod
    def build(cls, db: Database) -> Repositories:
        events = EventRepository(db)
        return cls(
            db=db,
            drivers=DriverRepository(db),
            places=PlaceRepository(db),
            vehicles=VehicleRepository(db),
            assignments=AssignmentRepository(db),
            proofs=ProofRepository(db),
            events=events,
            admins=AdminRepository(db),
            invitations=InvitationRepository(db),
            registrations=RegistrationRepository(db),
            pending=PendingInputRepository(db),
            clearance_images=ClearanceImageRepository(db),
            digests=DigestRepository(db, events),
            manifests=ManifestRepository(db),
            staff=StaffRepository(db),
            overrides=OverrideRepository(db),
            answers=AnswerRepository(db),
            outbox=OutboxRepository(db),
            handovers=HandoverRepository(db),
            trips=TripRepository(db),
        )
