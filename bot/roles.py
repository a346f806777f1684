"""Who may do what: owners come from settings, admins and checkpoint staff from the database
(plus settings' ``checkpoint_users``), drivers from their registration.

``resolve_caller`` answers "who is speaking" once per update (handlers.caller runs it in the
first handler group); the other functions serve code that runs outside an update (alerts,
menus, jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.models import Driver, DriverStatus
from bot.domain.pending import InputKind
from bot.state import AppState
from storage.repositories.pending import PendingInput


class Role(StrEnum):
    OWNER = "owner"  # from settings: adds and removes admins and checkpoint staff
    ADMIN = "admin"  # a dispatcher: the whole day, but not the staff list
    CHECKPOINT = "checkpoint"  # gate staff: /verify and nothing else
    DRIVER = "driver"
    STRANGER = "stranger"  # anyone else, including someone mid-registration


STAFF_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.CHECKPOINT})
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Caller:
    """The person behind an update, resolved once (``context.caller`` in handlers)."""

    telegram_id: int
    role: Role
    language: str
    # The driver's row even when the person is also staff; None for others.
    driver: Driver | None = None
    # What the bot is waiting for from this person (onboarding included), if anything.
    pending: PendingInput | None = None
    # Whether the person's language is stored (staff) or still only Telegram's guess.
    language_stored: bool = False

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER

    @property
    def is_admin(self) -> bool:
        """Owners are admins too."""
        return self.role in ADMIN_ROLES

    @property
    def is_staff(self) -> bool:
        """Owners, admins and checkpoint staff: those who may /verify."""
        return self.role in STAFF_ROLES

    @property
    def is_active_driver(self) -> bool:
        return self.driver is not None and self.driver.status is DriverStatus.ACTIVE

    @property
    def pending_kind(self) -> InputKind | None:
        return None if self.pending is None else self.pending.kind


async def resolve_caller(
    state: AppState, telegram_id: int, telegram_language: str | None, now: datetime
) -> Caller:
    """Role, driver row, language and pending input of one person, in a few reads."""
    repos, tr = state.repos, state.translator
    staff = await repos.staff.lookup(telegram_id)
    driver = await repos.drivers.by_telegram_id(telegram_id)
    pending = await repos.pending.get(telegram_id)
    registration = None if driver is not None else await repos.registrations.get(telegram_id)
    if telegram_id in state.settings.company.owners:
        role = Role.OWNER
    elif staff.is_admin:
        role = Role.ADMIN
    elif staff.is_checkpoint or telegram_id in state.settings.clearance.checkpoint_users:
        role = Role.CHECKPOINT
    elif driver is not None:
        role = Role.DRIVER
    else:
        role = Role.STRANGER
    language = staff.language
    stored = language is not None
    if role in STAFF_ROLES and language is None:
        # Staff read alerts in their language: remember Telegram's at the first contact
        # (/language changes it later).
        language = tr.language(telegram_language)
        await repos.staff.set_language(telegram_id, language, now)
        stored = True
    if language is None and driver is not None:
        language = driver.language
    if registration is not None:
        language = language or str(registration.data.get("language") or "") or None
        # Onboarding has its own table; to the router it is one more kind of pending input.
        pending = PendingInput(
            telegram_id,
            InputKind.ONBOARDING,
            None,
            registration.updated_at,
            {"step": registration.step},
        )
    return Caller(
        telegram_id=telegram_id,
        role=role,
        language=language or tr.language(telegram_language),
        driver=driver,
        pending=pending,
        language_stored=stored,
    )


async def is_owner(state: AppState, telegram_id: int) -> bool:
    return telegram_id in state.settings.company.owners


async def is_admin(state: AppState, telegram_id: int) -> bool:
    if telegram_id in state.settings.company.owners:
        return True
    return telegram_id in await state.repos.admins.ids()


async def admin_ids(state: AppState) -> list[int]:
    """Everyone who should hear admin alerts, owners first, without duplicates."""
    ids = list(state.settings.company.owners)
    ids.extend(i for i in await state.repos.admins.ids() if i not in ids)
    return ids


async def checkpoint_ids(state: AppState) -> list[int]:
    """Checkpoint staff from settings and from the database, without duplicates."""
    ids = list(state.settings.clearance.checkpoint_users)
    ids.extend(m.telegram_id for m in await state.repos.staff.checkpoint_staff())
    return list(dict.fromkeys(ids))


async def admin_languages(state: AppState) -> dict[int, str]:
    """Each admin's and owner's language (what alerts to them are written in).

    Stored when they first spoke to the bot or chose one with /language; the company
    language for an owner who has never written to the bot yet.
    """
    stored = await state.repos.staff.languages()
    default = state.settings.company.default_language
    return {i: stored.get(i, default) for i in await admin_ids(state)}


async def can_verify(state: AppState, telegram_id: int) -> bool:
    if telegram_id in state.settings.clearance.checkpoint_users:
        return True
    if await is_admin(state, telegram_id):
        return True
    return (await state.repos.staff.lookup(telegram_id)).is_checkpoint
