from __future__ import annotations

from datetime import date, timedelta

from bot.services import registration as reg
from bot.services.invitations import create_invitation
from bot.services.registration import InputProblem, StartOutcome, Step
from storage.repositories import Repositories
from tests.services.helpers import NOW

USER = 555


async def _begin(repos: Repositories) -> str:
    invitation = await create_invitation(repos.invitations, 1000, "Pan Guangde", NOW)
    return invitation.token


async def test_invitation_token_fits_a_telegram_start_payload(repos: Repositories) -> None:
    token = await _begin(repos)
    assert 16 <= len(token) <= 64
    assert all(c.isalnum() or c in "_-" for c in token)
    invitation = await repos.invitations.get(token)
    assert invitation is not None and invitation.expires_at == NOW + timedelta(days=7)


async def test_full_registration_creates_the_driver_and_uses_the_invitation(
    repos: Repositories,
) -> None:
    token = await _begin(repos)
    outcome, registration = await reg.start(repos, USER, token, "ru", NOW)
    assert outcome is StartOutcome.BEGUN and registration is not None
    assert registration.step == Step.LANGUAGE
    result = await reg.choose_language(repos, registration, "ru", NOW)
    assert result.registration is not None and result.registration.step == Step.PHONE
    result = await reg.give_phone(repos, result.registration, USER, "77011234567", NOW)
    assert result.registration is not None and result.registration.step == Step.NAME
    for answer in ("Иван Петров", "n 1234 5678"):
        assert result.registration is not None
        result = await reg.give_text(repos, result.registration, answer, NOW)
    assert result.registration is not None
    result = await reg.give_text(repos, result.registration, "2031-05-31", NOW)
    driver = result.driver
    assert driver is not None
    assert (driver.name, driver.phone, driver.passport_number, driver.language) == (
        "Иван Петров",
        "+77011234567",
        "N12345678",
        "ru",
    )
    assert driver.passport_expiry == date(2031, 5, 31)
    assert await repos.registrations.get(USER) is None
    invitation = await repos.invitations.get(token)
    assert invitation is not None and invitation.used_by == USER
    # The link now belongs to this driver: anyone else is told it is used.
    assert (await reg.start(repos, 777, token, "zh", NOW))[0] is StartOutcome.USED_TOKEN
    assert (await reg.start(repos, USER, token, "zh", NOW))[0] is StartOutcome.ALREADY_REGISTERED
    events = await repos.events.for_driver(driver.id)
    assert [e.kind for e in events] == ["driver_registered"]


async def test_someone_elses_contact_is_refused(repos: Repositories) -> None:
    token = await _begin(repos)
    _, registration = await reg.start(repos, USER, token, "zh", NOW)
    assert registration is not None
    registration = (await reg.choose_language(repos, registration, "zh", NOW)).registration
    assert registration is not None
    result = await reg.give_phone(repos, registration, 999, "+8613900000000", NOW)
    assert result.problem is InputProblem.CONTACT_NOT_OWN
    saved = await repos.registrations.get(USER)
    assert saved is not None and saved.step == Step.PHONE and "phone" not in saved.data


async def test_bad_answers_keep_the_step(repos: Repositories) -> None:
    token = await _begin(repos)
    _, registration = await reg.start(repos, USER, token, "en", NOW)
    assert registration is not None
    registration = (await reg.choose_language(repos, registration, "en", NOW)).registration
    assert registration is not None
    registration = (await reg.give_phone(repos, registration, USER, "+1", NOW)).registration
    assert registration is not None
    assert (
        await reg.give_text(repos, registration, "x", NOW)
    ).problem is InputProblem.NAME_INVALID
    registration = (await reg.give_text(repos, registration, "Pan Guangde", NOW)).registration
    assert registration is not None
    result = await reg.give_text(repos, registration, "E1!", NOW)
    assert result.problem is InputProblem.PASSPORT_INVALID
    registration = (await reg.give_text(repos, registration, "E12345678", NOW)).registration
    assert registration is not None
    result = await reg.give_text(repos, registration, "31.02.2030", NOW)
    assert result.problem is InputProblem.DATE_INVALID
    result = await reg.give_text(repos, registration, "2020-01-01", NOW)
    assert result.problem is InputProblem.PASSPORT_EXPIRED
    assert await repos.drivers.by_telegram_id(USER) is None


async def test_start_answers_for_missing_unknown_and_expired_links(repos: Repositories) -> None:
    assert (await reg.start(repos, USER, None, "zh", NOW))[0] is StartOutcome.NO_TOKEN
    assert (await reg.start(repos, USER, "nope", "zh", NOW))[0] is StartOutcome.UNKNOWN_TOKEN
    assert (await reg.start(repos, USER, "bad token!", "zh", NOW))[0] is (
        StartOutcome.UNKNOWN_TOKEN
    )
    token = await _begin(repos)
    later = NOW + timedelta(days=7, seconds=1)
    assert (await reg.start(repos, USER, token, "zh", later))[0] is StartOutcome.EXPIRED_TOKEN


async def test_restart_resumes_where_the_driver_stopped(repos: Repositories) -> None:
    token = await _begin(repos)
    _, registration = await reg.start(repos, USER, token, "zh", NOW)
    assert registration is not None
    await reg.choose_language(repos, registration, "zh", NOW)
    outcome, resumed = await reg.start(repos, USER, None, "zh", NOW)
    assert outcome is StartOutcome.RESUMED and resumed is not None
    assert resumed.step == Step.PHONE


async def test_changing_language_later_keeps_the_step(repos: Repositories) -> None:
    token = await _begin(repos)
    _, registration = await reg.start(repos, USER, token, "zh", NOW)
    assert registration is not None
    registration = (await reg.choose_language(repos, registration, "zh", NOW)).registration
    assert registration is not None and registration.step == Step.PHONE
    again = (await reg.choose_language(repos, registration, "ru", NOW)).registration
    assert again is not None and again.step == Step.PHONE and again.data["language"] == "ru"


async def _to_phone(repos: Repositories, token: str, user: int = USER) -> reg.StepResult:
    outcome, registration = await reg.start(repos, user, token, "en", NOW)
    assert outcome is StartOutcome.BEGUN and registration is not None
    return await reg.choose_language(repos, registration, "en", NOW)


async def test_a_link_is_taken_by_the_first_person_who_opens_it(repos: Repositories) -> None:
    token = await _begin(repos)
    await _to_phone(repos, token)
    # A forwarded copy of the link: the second person is told so, and gets nothing started.
    outcome, registration = await reg.start(repos, 777, token, "en", NOW)
    assert outcome is StartOutcome.CLAIMED_TOKEN and registration is None
    assert await repos.registrations.get(777) is None
    # The first person can come back to it.
    assert (await reg.start(repos, USER, token, "en", NOW))[0] is StartOutcome.RESUMED


async def test_a_registration_started_before_expiry_cannot_finish_after_it(
    repos: Repositories,
) -> None:
    token = await _begin(repos)
    result = await _to_phone(repos, token)
    assert result.registration is not None
    result = await reg.give_phone(repos, result.registration, USER, "77011234567", NOW)
    assert result.registration is not None
    later = NOW + timedelta(days=30)
    result = await reg.give_text(repos, result.registration, "Иван Петров", later)
    assert result.ended is StartOutcome.EXPIRED_TOKEN and result.registration is None
    assert await repos.registrations.get(USER) is None
    assert await repos.drivers.by_telegram_id(USER) is None


async def test_the_last_step_after_expiry_registers_nobody(repos: Repositories) -> None:
    token = await _begin(repos)
    result = await _to_phone(repos, token)
    assert result.registration is not None
    result = await reg.give_phone(repos, result.registration, USER, "77011234567", NOW)
    for answer in ("Иван Петров", "N12345678"):
        assert result.registration is not None
        result = await reg.give_text(repos, result.registration, answer, NOW)
    assert result.registration is not None
    ended = await reg.give_text(
        repos, result.registration, "2031-05-31", NOW + timedelta(days=7, seconds=1)
    )
    assert ended.ended is StartOutcome.EXPIRED_TOKEN and ended.driver is None
    assert await repos.drivers.by_telegram_id(USER) is None


async def test_an_invitation_with_a_phone_takes_only_that_phone(repos: Repositories) -> None:
    invitation = await create_invitation(
        repos.invitations, 1000, "Pan Guangde", NOW, phone="+8613800000001"
    )
    result = await _to_phone(repos, invitation.token)
    assert result.registration is not None
    wrong = await reg.give_phone(repos, result.registration, USER, "8613900000009", NOW)
    assert wrong.problem is InputProblem.PHONE_NOT_INVITED
    assert wrong.registration is not None and wrong.registration.step == Step.PHONE
    # Telegram's contact carries the country code; the admin may have typed either form.
    right = await reg.give_phone(repos, wrong.registration, USER, "8613800000001", NOW)
    assert right.problem is None
    assert right.registration is not None and right.registration.step == Step.NAME


async def test_names_of_invisible_marks_are_refused(repos: Repositories) -> None:
    token = await _begin(repos)
    result = await _to_phone(repos, token)
    assert result.registration is not None
    result = await reg.give_phone(repos, result.registration, USER, "77011234567", NOW)
    assert result.registration is not None
    refused = await reg.give_text(repos, result.registration, "\u200f\u200e\u200f", NOW)
    assert refused.problem is InputProblem.NAME_INVALID
    assert refused.registration is not None and refused.registration.step == Step.NAME
    accepted = await reg.give_text(repos, refused.registration, "\u200fAli Khan\u200e", NOW)
    assert accepted.registration is not None
    assert accepted.registration.data["name"] == "Ali Khan"
