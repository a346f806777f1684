"""One-time driver invitations carried in a /start deep link."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.names import clean_name
from storage.repositories.onboarding import Invitation, InvitationRepository

INVITATION_VALIDITY = timedelta(days=7)
# Telegram allows 64 characters of A-Za-z0-9_- in a start payload; 32 give 192 random bits.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvitationProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    CLAIMED = "claimed"  # someone else opened the link first


@dataclass(frozen=True, slots=True)
class InvitationCheck:
    invitation: Invitation | None
    problem: InvitationProblem | None


def new_token() -> str:
    return secrets.token_urlsafe(24)


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


# A phone number typed by an admin: an optional +, then digits with spaces, dashes, brackets.
_PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ()-]{5,24}$")
_PHONE_WORD_RE = re.compile(r"^[+0-9()-]+$")


def phone_digits(raw: str) -> str:
    return "".join(char for char in raw if char.isascii() and char.isdigit())


def split_invite_args(args: list[str]) -> tuple[str, str]:
    """``/invite NAME [PHONE]`` → (name, phone); the phone is the trailing words made of
    digits and ``+()-`` (it may be typed in groups: ``+86 138 0000 0001``)."""
    start = len(args)
    while start > 0 and _PHONE_WORD_RE.fullmatch(args[start - 1]):
        start -= 1
    phone = " ".join(args[start:])
    if phone and _PHONE_RE.fullmatch(phone) and 7 <= len(phone_digits(phone)) <= 15:
        return " ".join(args[:start]).strip(), "+" + phone_digits(phone)
    return " ".join(args).strip(), ""


def phones_match(invited: str, shared: str) -> bool:
    """Same number, with or without the country code (Telegram's contact has it, an admin
    may type the national number)."""
    a, b = phone_digits(invited), phone_digits(shared)
    if not a or not b:
        return False
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 7 and longer.endswith(shorter)


async def create_invitation(
    repo: InvitationRepository, created_by: int, name: str, now: datetime, phone: str = ""
) -> Invitation:
    """An invitation for ``name`` (may be empty); ``NameProblem`` if it is given but is not a
    name or is over ``NAME_MAX`` characters: nothing is stored then. With ``phone``, only the
    person with that number can register with it."""
    if name.strip():
        name = clean_name(name)
    token = new_token()
    await repo.add(token, name, created_by, now, now + INVITATION_VALIDITY, phone)
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
    if invitation.claimed_by is not None and invitation.claimed_by != telegram_id:
        return InvitationCheck(invitation, InvitationProblem.CLAIMED)
    if invitation.used_by is None and now >= invitation.expires_at:
        return InvitationCheck(invitation, InvitationProblem.EXPIRED)
    return InvitationCheck(invitation, None)
