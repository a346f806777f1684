"""The signed token: format, tamper detection, key rotation, expiry (pure, no I/O)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.clearance.codes import IMPORTED_MAX_LENGTH, InvalidImportedCode, check_imported
from bot.clearance.service import ClearanceService
from bot.clearance.token import (
    Keyring,
    Refusal,
    SigningUnavailable,
    looks_like_token,
    sign,
    verify,
)
from tests.clearance.helpers import (
    EXPIRES,
    NOW,
    SECRET_1,
    SECRET_2,
    SERVICE_DATE,
    clearance_settings,
    keyring,
    vin,
)

VIN = vin(1)
TOKEN_RE = re.compile(r"FM1\.k1\.42\.[A-Z0-9]{17}\.20261130\.202612011600\.[A-Z2-7]{26}")


def test_a_signed_token_verifies_and_names_what_it_covers() -> None:
    token = sign(keyring(), 42, VIN, SERVICE_DATE, EXPIRES)
    assert TOKEN_RE.fullmatch(token), token
    check = verify(keyring(), token, NOW)
    assert check.ok
    assert check.claims is not None
    assert (check.claims.assignment_id, check.claims.vin) == (42, VIN)
    assert check.claims.service_date == SERVICE_DATE
    assert check.claims.expires_at == EXPIRES
    assert check.claims.key_id == "k1"


def test_signing_is_deterministic_and_lowercase_vins_are_normalised() -> None:
    assert sign(keyring(), 7, VIN.lower(), SERVICE_DATE, EXPIRES) == sign(
        keyring(), 7, VIN, SERVICE_DATE, EXPIRES
    )


def test_tampering_with_any_byte_is_caught() -> None:
    token = sign(keyring(), 42, VIN, SERVICE_DATE, EXPIRES)
    for index, original in enumerate(token):
        for replacement in {"A", "7", ".", "a", "Z"} - {original}:
            forged = token[:index] + replacement + token[index + 1 :]
            check = verify(keyring(), forged, NOW)
            assert not check.ok, f"byte {index} {original!r}->{replacement!r} passed"
    assert not verify(keyring(), token + "A", NOW).ok
    assert not verify(keyring(), token[:-1], NOW).ok


def test_a_forged_signature_with_the_right_shape_is_a_bad_signature() -> None:
    token = sign(keyring(), 42, VIN, SERVICE_DATE, EXPIRES)
    other = sign(keyring(), 43, VIN, SERVICE_DATE, EXPIRES)
    forged = token[:-26] + other[-26:]
    assert verify(keyring(), forged, NOW).refusal is Refusal.BAD_SIGNATURE
    wrong_key = sign(keyring("k1", k1=SECRET_2), 42, VIN, SERVICE_DATE, EXPIRES)
    assert verify(keyring(), wrong_key, NOW).refusal is Refusal.BAD_SIGNATURE


def test_a_rotated_key_still_verifies_until_removed() -> None:
    old = sign(keyring("k1", k1=SECRET_1), 42, VIN, SERVICE_DATE, EXPIRES)
    rotated = keyring("k2", k1=SECRET_1, k2=SECRET_2)
    new = sign(rotated, 42, VIN, SERVICE_DATE, EXPIRES)
    assert new.startswith("FM1.k2.")
    assert verify(rotated, old, NOW).ok
    assert verify(rotated, new, NOW).ok
    retired = keyring("k2", k2=SECRET_2)
    check = verify(retired, old, NOW)
    assert check.refusal is Refusal.UNKNOWN_KEY
    assert check.detail == "k1"


def test_an_expired_code_is_refused_with_its_date() -> None:
    token = sign(keyring(), 42, VIN, SERVICE_DATE, EXPIRES)
    assert verify(keyring(), token, EXPIRES - timedelta(minutes=1)).ok
    check = verify(keyring(), token, EXPIRES)
    assert check.refusal is Refusal.EXPIRED
    assert check.claims is not None and check.claims.expires_at == EXPIRES


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", Refusal.MALFORMED),
        ("hello", Refusal.MALFORMED),
        ("FM1.k1.42", Refusal.MALFORMED),
        ("FM2.k1.42.X.Y.Z.W", Refusal.UNSUPPORTED_VERSION),
        ("FM1.k1.042.LGXCE4CB0R0000001.20261130.202612011600." + "A" * 26, Refusal.MALFORMED),
        ("FM1.k1.42.LGXCE4CB0R0000001.20261340.202612011600." + "A" * 26, Refusal.MALFORMED),
        ("FM1.k1.42.LGXCE4CB0R000000I.20261130.202612011600." + "A" * 26, Refusal.MALFORMED),
        ("FM1.k1.42.LGXCE4CB0R0000001.20261130.202612011600." + "a" * 26, Refusal.MALFORMED),
        ("FM1.zz.42.LGXCE4CB0R0000001.20261130.202612011600." + "A" * 26, Refusal.UNKNOWN_KEY),
        ("FM1." + "x" * 500, Refusal.MALFORMED),
        ("FM1.k1.42.ЖGXCE4CB0R0000001.20261130.202612011600." + "A" * 26, Refusal.MALFORMED),
    ],
)
def test_malformed_tokens_are_named(text: str, refusal: Refusal) -> None:
    check = verify(keyring(), text, NOW)
    assert check.refusal is refusal
    assert check.claims is None


def test_signing_needs_a_key_and_time_needs_a_zone() -> None:
    with pytest.raises(SigningUnavailable):
        sign(Keyring("", {}), 1, VIN, SERVICE_DATE, EXPIRES)
    with pytest.raises(ValueError, match="VIN"):
        sign(keyring(), 1, "SHORT", SERVICE_DATE, EXPIRES)
    with pytest.raises(ValueError, match="positive"):
        sign(keyring(), 0, VIN, SERVICE_DATE, EXPIRES)
    with pytest.raises(ValueError, match="aware"):
        verify(keyring(), "x", NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="active"):
        Keyring("k9", {"k1": b"x" * 16})


def test_the_keyring_never_shows_its_secrets() -> None:
    assert SECRET_1 not in repr(keyring())


def test_the_service_expires_codes_relative_to_the_company_day() -> None:
    service = ClearanceService(clearance_settings())
    assert service.expires_at(SERVICE_DATE) == EXPIRES
    code = service.generate(42, VIN, SERVICE_DATE)
    assert service.verify_token(code, NOW).ok
    assert service.verify_token(code, EXPIRES).refusal is Refusal.EXPIRED
    # Kazakhstan's day starts three hours later than Horgos's.
    from zoneinfo import ZoneInfo

    almaty = ClearanceService(clearance_settings(), timezone=ZoneInfo("Asia/Almaty"))
    assert almaty.expires_at(SERVICE_DATE) == EXPIRES + timedelta(hours=3)
    with pytest.raises(SigningUnavailable):
        ClearanceService(clearance_settings("", k1=SECRET_1)).generate(1, VIN, date(2026, 1, 1))


def test_imported_codes_are_kept_verbatim_and_length_checked() -> None:
    assert check_imported("KZ-2026/11/30 ábc 123") == "KZ-2026/11/30 ábc 123"
    assert not looks_like_token("KZ-2026")
    for bad in ("", " padded", "x" * (IMPORTED_MAX_LENGTH + 1), "a\x00b", "FM1.k1.anything"):
        with pytest.raises(InvalidImportedCode):
            check_imported(bad)
    assert check_imported("x" * IMPORTED_MAX_LENGTH)
