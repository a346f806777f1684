"""One-time driver invitations carried in a /start deep link."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.repositories.onboarding import Invitation, InvitationRepository

INVITATION_VALIDITY = timedelta(days=7)
# Telegram allows 64 characters of A-Za-z0-9_- in a start payload; 32 give 192 random bits.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvitationProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class InvitationCheck:
    invitation: Invitation | None
    problem: InvitationProblem | None


def new_token() -> str:
    return secrets.token_urlsafe(24)


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


async def create_invitation(
    repo: InvitationRepository, created_by: int, name: str, now: datetime
) -> Invitation:
    token = new_token()
    await repo.add(token, name.strip()[:64], created_by, now, now + INVITATION_VALIDITY)
    invitation = await repo.get(token)
    assert invitation is not None
    return invitation


async def check_invitation(
    repo: InvitationRepository, token: str, now: datetime, telegram_id: int
) -> InvitationCheck:
    if not TOKEN_RE.fullmatch(token):
        return InvitationCheck(None, InvitationProblem.UNKNOWN)
    invitation = await repo.get(token)
    if invitation is None:
        return InvitationCheck(None, InvitationProblem.UNKNOWN)
    if invitation.used_by is not None and invitation.used_by != telegram_id:
        return InvitationCheck(invitation, InvitationProblem.USED)
    if invitation.used_by is None and now >= invitation.expires_at:
        return InvitationCheck(invitation, InvitationProblem.EXPIRED)
    return InvitationCheck(invitation, None)
