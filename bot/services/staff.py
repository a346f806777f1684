"""Who is staff: owners add and remove admins and checkpoint staff; every change is an event.

An owner adds someone by a one-time link (``/start staff_<token>``) or by sharing their
contact. Owners themselves and settings' ``checkpoint_users`` are fixed by the settings file.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.events import EventKind
from bot.roles import Role
from storage.repositories import Repositories

STAFF_LINK_VALIDITY = timedelta(days=2)
# Driver invitations use bare tokens; this prefix tells a staff link apart at /start.
STAFF_LINK_PREFIX = "staff_"
MAX_NAME = 64
STAFF_ROLES = (Role.ADMIN, Role.CHECKPOINT)

_ADDED = {Role.ADMIN: EventKind.ADMIN_ADDED, Role.CHECKPOINT: EventKind.CHECKPOINT_ADDED}
_REMOVED = {Role.ADMIN: EventKind.ADMIN_REMOVED, Role.CHECKPOINT: EventKind.CHECKPOINT_REMOVED}


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    role: Role | None  # the role given, None when refused
    problem: LinkProblem | None
    invited_by: int | None = None
    added: bool = True  # False: the person already had the role


def is_staff_payload(payload: str) -> bool:
    return payload.startswith(STAFF_LINK_PREFIX)


async def create_staff_link(
    repos: Repositories, owner_id: int, role: Role, now: datetime
) -> tuple[str, datetime]:
    """A /start payload that makes its first user ``role``; returns it and its expiry."""
    if role not in STAFF_ROLES:
        raise ValueError(f"no link for role {role.value}")
    token = secrets.token_urlsafe(24)  # 32 characters: the payload stays under Telegram's 64
    expires_at = now + STAFF_LINK_VALIDITY
    async with repos.db.transaction():
        await repos.staff.add_invitation(token, role.value, owner_id, now, expires_at)
        await repos.events.append(
            EventKind.STAFF_INVITED,
            recorded_at=now,
            actor_telegram_id=owner_id,
            payload={"role": role.value, "expires_at": expires_at.isoformat()},
        )
    return STAFF_LINK_PREFIX + token, expires_at


async def accept_staff_link(
    repos: Repositories, payload: str, telegram_id: int, name: str, now: datetime
) -> LinkOutcome:
    token = payload.removeprefix(STAFF_LINK_PREFIX)
    invitation = await repos.staff.invitation(token)
    if invitation is None:
        return LinkOutcome(None, LinkProblem.UNKNOWN)
    if invitation.used_by is not None and invitation.used_by != telegram_id:
        return LinkOutcome(None, LinkProblem.USED)
    role = Role(invitation.role)
    if invitation.used_by == telegram_id:
        return LinkOutcome(role, None, invitation.created_by, added=False)
    if now >= invitation.expires_at:
        return LinkOutcome(None, LinkProblem.EXPIRED)
    async with repos.db.transaction():
        if not await repos.staff.use_invitation(token, telegram_id, now):
            return LinkOutcome(None, LinkProblem.USED)  # someone else was a moment faster
        added = await add_staff(
            repos, role, telegram_id, name, invitation.created_by, now, via="link"
        )
    return LinkOutcome(role, None, invitation.created_by, added)


async def add_staff(
    repos: Repositories,
    role: Role,
    telegram_id: int,
    name: str,
    owner_id: int,
    now: datetime,
    *,
    via: str,
) -> bool:
    """Makes the person ``role``; False if they already were (nothing is written then)."""
    name = " ".join(name.split())[:MAX_NAME]
    async with repos.db.transaction():
        if role is Role.ADMIN:
            added = await repos.admins.add(telegram_id, owner_id, now, name)
        elif role is Role.CHECKPOINT:
            added = await repos.staff.add_checkpoint(telegram_id, name, owner_id, now)
        else:
            raise ValueError(f"cannot add role {role.value}")
        if added:
            await repos.events.append(
                _ADDED[role],
                recorded_at=now,
                actor_telegram_id=owner_id,
                payload={"telegram_id": telegram_id, "name": name, "via": via},
            )
    return added


async def remove_staff(
    repos: Repositories, role: Role, telegram_id: int, owner_id: int, now: datetime
) -> bool:
    """False if the person did not have the role (a second press of the same button)."""
    async with repos.db.transaction():
        if role is Role.ADMIN:
            removed = await repos.admins.remove(telegram_id)
        elif role is Role.CHECKPOINT:
            removed = await repos.staff.remove_checkpoint(telegram_id)
        else:
            raise ValueError(f"cannot remove role {role.value}")
        if removed:
            await repos.events.append(
                _REMOVED[role],
                recorded_at=now,
                actor_telegram_id=owner_id,
                payload={"telegram_id": telegram_id},
            )
    return removed


async def set_staff_language(
    repos: Repositories, telegram_id: int, language: str, now: datetime
) -> None:
    async with repos.db.transaction():
        await repos.staff.set_language(telegram_id, language, now)
        await repos.events.append(
            EventKind.LANGUAGE_SET,
            recorded_at=now,
            actor_telegram_id=telegram_id,
            payload={"language": language},
        )
