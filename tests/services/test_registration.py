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
