"""Driver onboarding as a stored step machine: language → phone → name → passport → done."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.events import EventKind
from bot.domain.models import Driver
from bot.domain.names import NameProblem, clean_name
from bot.inputs import normalize_phone, parse_date
from bot.services.invitations import InvitationProblem, check_invitation, phones_match
from storage.repositories import DriverExists, Repositories
from storage.repositories.onboarding import Registration


class Step(StrEnum):
    LANGUAGE = "language"
    PHONE = "phone"
    NAME = "name"
    PASSPORT_NUMBER = "passport_number"
    PASSPORT_EXPIRY = "passport_expiry"


class InputProblem(StrEnum):
    CONTACT_NOT_OWN = "contact_not_own"
    PHONE_NOT_INVITED = "phone_not_invited"  # the invitation names another number
    NAME_INVALID = "name_invalid"
    PASSPORT_INVALID = "passport_invalid"
    DATE_INVALID = "date_invalid"
    PASSPORT_EXPIRED = "passport_expired"
    WRONG_INPUT = "wrong_input"


class StartOutcome(StrEnum):
    BEGUN = "begun"
    RESUMED = "resumed"
    ALREADY_REGISTERED = "already_registered"
    NO_TOKEN = "no_token"
    UNKNOWN_TOKEN = "unknown_token"
    USED_TOKEN = "used_token"
    EXPIRED_TOKEN = "expired_token"
    CLAIMED_TOKEN = "claimed_token"


@dataclass(frozen=True, slots=True)
class StepResult:
    """Where onboarding stands after an input: the next step, a problem, or a new driver."""

    registration: Registration | None
    problem: InputProblem | None = None
    driver: Driver | None = None
    # Registration is over because the invitation no longer holds for this person (expired,
    # or used by someone else): the answer is the one /start gives for such a link.
    ended: StartOutcome | None = None


# Letters and digits, with at least one digit: every passport number has digits, and a name
# sent twice (a double tap) must not pass for one ("IVANPETROV").
_PASSPORT_RE = re.compile(r"^(?=[A-Z]*[0-9])[A-Z0-9]{5,20}$")
_PROBLEMS = {
    InvitationProblem.UNKNOWN: StartOutcome.UNKNOWN_TOKEN,
    InvitationProblem.USED: StartOutcome.USED_TOKEN,
    InvitationProblem.EXPIRED: StartOutcome.EXPIRED_TOKEN,
    InvitationProblem.CLAIMED: StartOutcome.CLAIMED_TOKEN,
}


async def start(
    repos: Repositories, telegram_id: int, token: str | None, language: str, now: datetime
) -> tuple[StartOutcome, Registration | None]:
    if await repos.drivers.by_telegram_id(telegram_id) is not None:
        return StartOutcome.ALREADY_REGISTERED, None
    existing = await repos.registrations.get(telegram_id)
    if not token:
        if existing is not None:
            ended = await _ended(repos, existing, now)
            if ended is not None and ended.ended is not None:
                return ended.ended, None
            return StartOutcome.RESUMED, existing
        return StartOutcome.NO_TOKEN, None
    check = await check_invitation(repos.invitations, token, now, telegram_id)
    if check.problem is not None:
        return _PROBLEMS[check.problem], None
    if existing is not None and existing.invitation_token == token:
        return StartOutcome.RESUMED, existing
    assert check.invitation is not None
    # The first person to open a link makes it theirs: a forwarded link is useless to others.
    if not await repos.invitations.claim(token, telegram_id):
        return StartOutcome.CLAIMED_TOKEN, None
    data: dict[str, Any] = {"language": language, "invited_name": check.invitation.name}
    registration = await repos.registrations.save(telegram_id, token, Step.LANGUAGE, data, now)
    return StartOutcome.BEGUN, registration


async def _ended(
    repos: Repositories, registration: Registration, now: datetime
) -> StepResult | None:
    """A registration whose invitation has since expired or gone to someone else is over:
    starting before the deadline does not let anyone finish after it."""
    check = await check_invitation(
        repos.invitations, registration.invitation_token, now, registration.telegram_id
    )
    if check.problem is None:
        return None
    await repos.registrations.delete(registration.telegram_id)
    return StepResult(None, ended=_PROBLEMS[check.problem])


async def wrong_input(
    repos: Repositories, registration: Registration, now: datetime
) -> StepResult:
    """An answer of the wrong kind for the step: ask again, unless the invitation is over."""
    if (ended := await _ended(repos, registration, now)) is not None:
        return ended
    return StepResult(registration, InputProblem.WRONG_INPUT)


async def choose_language(
    repos: Repositories, registration: Registration, language: str, now: datetime
) -> StepResult:
    """At the language step this moves on to the phone; later it only changes the language."""
    if (ended := await _ended(repos, registration, now)) is not None:
        return ended
    data = {**registration.data, "language": language}
    step = Step.PHONE if registration.step == Step.LANGUAGE else Step(registration.step)
    saved = await repos.registrations.save(
        registration.telegram_id, registration.invitation_token, step, data, now
    )
    return StepResult(saved)


async def give_phone(
    repos: Repositories,
    registration: Registration,
    contact_user_id: int | None,
    phone: str,
    now: datetime,
) -> StepResult:
    if (ended := await _ended(repos, registration, now)) is not None:
        return ended
    if registration.step != Step.PHONE:
        return StepResult(registration, InputProblem.WRONG_INPUT)
    # A shared contact card of someone else carries their user id (or none at all).
    if contact_user_id != registration.telegram_id:
        return StepResult(registration, InputProblem.CONTACT_NOT_OWN)
    invitation = await repos.invitations.get(registration.invitation_token)
    if invitation is not None and invitation.phone and not phones_match(invitation.phone, phone):
        return StepResult(registration, InputProblem.PHONE_NOT_INVITED)
    # Telegram usually sends digits without "+"; keep what came if it cannot be read.
    normalized = normalize_phone(phone) or (phone if phone.startswith("+") else f"+{phone}")
    data = {**registration.data, "phone": normalized}
    saved = await repos.registrations.save(
        registration.telegram_id, registration.invitation_token, Step.NAME, data, now
    )
    return StepResult(saved)


async def give_text(
    repos: Repositories, registration: Registration, text: str, now: datetime
) -> StepResult:
    if (ended := await _ended(repos, registration, now)) is not None:
        return ended
    text = text.strip()
    step = Step(registration.step)
    data = dict(registration.data)
    if step is Step.NAME:
        try:
            name = clean_name(text)
        except NameProblem:
            return StepResult(registration, InputProblem.NAME_INVALID)
        if name.startswith("/"):
            return StepResult(registration, InputProblem.NAME_INVALID)
        data["name"] = name
        next_step = Step.PASSPORT_NUMBER
    elif step is Step.PASSPORT_NUMBER:
        number = re.sub(r"\s", "", text).upper()
        if not _PASSPORT_RE.fullmatch(number):
            return StepResult(registration, InputProblem.PASSPORT_INVALID)
        data["passport_number"] = number
        next_step = Step.PASSPORT_EXPIRY
    elif step is Step.PASSPORT_EXPIRY:
        expiry = parse_date(text)
        if expiry is None:
            return StepResult(registration, InputProblem.DATE_INVALID)
        if expiry <= now.date():
            return StepResult(registration, InputProblem.PASSPORT_EXPIRED)
        data["passport_expiry"] = expiry.isoformat()
        return await _finish(repos, registration, data, now)
    else:
        return StepResult(registration, InputProblem.WRONG_INPUT)
    saved = await repos.registrations.save(
        registration.telegram_id, registration.invitation_token, next_step, data, now
    )
    return StepResult(saved)


async def _finish(
    repos: Repositories, registration: Registration, data: dict[str, Any], now: datetime
) -> StepResult:
    try:
        return await _create_driver(repos, registration, data, now)
    except DriverExists:
        # A double submit finished the registration already; this copy has nothing to do.
        await repos.registrations.delete(registration.telegram_id)
        return StepResult(None)


async def _create_driver(
    repos: Repositories, registration: Registration, data: dict[str, Any], now: datetime
) -> StepResult:
    async with repos.db.transaction():
        # Checked again under the write lock: the last step is where a late or second
        # person would otherwise slip through.
        if (ended := await _ended(repos, registration, now)) is not None:
            return ended
        if not await repos.invitations.mark_used(
            registration.invitation_token, registration.telegram_id, now
        ):
            invitation = await repos.invitations.get(registration.invitation_token)
            if invitation is None or invitation.used_by != registration.telegram_id:
                await repos.registrations.delete(registration.telegram_id)
                return StepResult(None, ended=StartOutcome.USED_TOKEN)
        driver = await repos.drivers.add(
            name=str(data["name"]),
            now=now,
            telegram_id=registration.telegram_id,
            phone=str(data["phone"]),
            passport_number=str(data["passport_number"]),
            passport_expiry=date.fromisoformat(str(data["passport_expiry"])),
            language=str(data["language"]),
        )
        await repos.registrations.delete(registration.telegram_id)
        await repos.events.append(
            EventKind.DRIVER_REGISTERED,
            recorded_at=now,
            actor_telegram_id=registration.telegram_id,
            driver_id=driver.id,
            payload={"invitation": registration.invitation_token[:6]},
        )
    return StepResult(None, driver=driver)
