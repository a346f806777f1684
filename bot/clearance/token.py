"""Ferryman's signed clearance token: format, signing and verification (pure, no I/O).

Format version 1 (``FM1``), seven fields joined by ``.``::

    FM1.<key id>.<assignment id>.<VIN>.<service date>.<expiry>.<signature>
    FM1.k1.1042.LSVAU2180N2183294.20261130.202612011600.WXGJ5Q3ZK6N7RJDJM2H6HVAQ4Y

- ``FM1``: magic ``FM`` and the format version. A new layout gets a new number; verifiers
  refuse versions they do not know instead of guessing.
- key id: 1-16 characters of ``A-Za-z0-9_-`` naming the signing key in the settings, so keys
  can rotate: new codes use the active key, older key ids verify until removed from settings.
- assignment id: decimal, no leading zeros.
- VIN: 17 upper-case characters of the VIN alphabet (no I, O, Q).
- service date: ``YYYYMMDD``, the day the car is to cross.
- expiry: ``YYYYMMDDHHMM`` in UTC; the code is refused from that minute on.
- signature: the first 16 bytes (128 bits) of HMAC-SHA256 under the key, over the ASCII text
  of everything before the last ``.``, in upper-case base32 without padding (26 characters).

Why this shape: ``.`` never occurs inside a field, so splitting is unambiguous; everything
after the key id is upper-case letters, digits and ``.``, which QR encoders put in the
compact alphanumeric mode, keeping the symbol small (larger modules scan better); the
signature covers the exact bytes shown, so changing any byte of a token is caught. The
comparison is constant-time and exact (a lower-cased signature is a different signature).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

MAGIC = "FM"
VERSION = 1
PREFIX = f"{MAGIC}{VERSION}."
SEPARATOR = "."
SIGNATURE_BYTES = 16
SIGNATURE_CHARS = 26  # base32 of 16 bytes, padding removed
MAX_TOKEN_LENGTH = 128  # generous: a real v1 token is about 80 characters

_KEY_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
_ASSIGNMENT_RE = re.compile(r"[1-9][0-9]{0,17}")
_VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
_DATE_RE = re.compile(r"[0-9]{8}")
_EXPIRY_RE = re.compile(r"[0-9]{12}")
_SIGNATURE_RE = re.compile(r"[A-Z2-7]{26}")
_VERSIONED_RE = re.compile(r"FM([0-9]{1,3})\.")


class Refusal(StrEnum):
    """Why a code does not let a car through. Values are stable (logs, tests)."""

    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    # The checks below need the database (see bot.clearance.verification).
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_ASSIGNMENT = "unknown_assignment"
    CANCELLED = "cancelled"
    VIN_MISMATCH = "vin_mismatch"
    DATE_MISMATCH = "date_mismatch"
    SUPERSEDED = "superseded"
    NO_QR = "no_qr"


@dataclass(frozen=True, slots=True)
class Keyring:
    """Signing keys by key id; ``active`` signs new codes, all of them verify."""

    active: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        for key_id in self.keys:
            if not _KEY_ID_RE.fullmatch(key_id):
                raise ValueError(f"key id {key_id!r}: use 1-16 characters of A-Za-z0-9_-")
        if self.active and self.active not in self.keys:
            raise ValueError(f"active key id {self.active!r} is not among the keys")

    def __repr__(self) -> str:
        return f"Keyring(active={self.active!r}, keys=<{len(self.keys)} masked>)"


class SigningUnavailable(Exception):
    """No active signing key is configured, so no code can be generated."""


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token says, trusted only once its signature has verified."""

    key_id: str
    assignment_id: int
    vin: str
    service_date: date
    expires_at: datetime  # UTC


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The outcome of :func:`verify`. ``claims`` is set when the signature is good, even if
    the token has expired, so the refusal can name the date."""

    claims: Claims | None
    refusal: Refusal | None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.refusal is None


def looks_like_token(code: str) -> bool:
    """True for anything in the ``FM<n>.`` family, valid or not (imported codes never are)."""
    return _VERSIONED_RE.match(code) is not None


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=")


def _minute_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("expiry must be timezone-aware")
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def sign(
    keyring: Keyring, assignment_id: int, vin: str, service_date: date, expires_at: datetime
) -> str:
    """A v1 token under the active key. ``expires_at`` is truncated to the minute."""
    if not keyring.active:
        raise SigningUnavailable(
            "no signing key: set [clearance] keys and active_key_id (or FERRYMAN_SIGNING_KEYS)"
        )
    vin = vin.strip().upper()
    if not _VIN_RE.fullmatch(vin):
        raise ValueError(f"not a VIN: {vin!r}")
    if not _ASSIGNMENT_RE.fullmatch(str(assignment_id)):
        raise ValueError(f"assignment id must be a positive integer, got {assignment_id!r}")
    body = SEPARATOR.join(
        (
            f"{MAGIC}{VERSION}",
            keyring.active,
            str(assignment_id),
            vin,
            service_date.strftime("%Y%m%d"),
            _minute_utc(expires_at).strftime("%Y%m%d%H%M"),
        )
    )
    return f"{body}{SEPARATOR}{_signature(keyring.keys[keyring.active], body)}"


def _malformed(detail: str) -> TokenCheck:
    return TokenCheck(None, Refusal.MALFORMED, detail)


def verify(keyring: Keyring, token: str, now: datetime) -> TokenCheck:
    """Check structure, key id, signature and expiry, in that order, without side effects."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return _malformed("not a Ferryman code")
    versioned = _VERSIONED_RE.match(token)
    if versioned is None:
        return _malformed("not a Ferryman code")
    if versioned.group(1) != str(VERSION):
        return TokenCheck(None, Refusal.UNSUPPORTED_VERSION, f"format FM{versioned.group(1)}")
    fields = token.split(SEPARATOR)
    if len(fields) != 7:
        return _malformed(f"expected 7 fields, found {len(fields)}")
    _, key_id, assignment_raw, vin, date_raw, expiry_raw, signature = fields
    for name, pattern, value in (
        ("key id", _KEY_ID_RE, key_id),
        ("assignment", _ASSIGNMENT_RE, assignment_raw),
        ("VIN", _VIN_RE, vin),
        ("service date", _DATE_RE, date_raw),
        ("expiry", _EXPIRY_RE, expiry_raw),
        ("signature", _SIGNATURE_RE, signature),
    ):
        if not pattern.fullmatch(value):
            return _malformed(f"bad {name} field")
    try:
        service_date = datetime.strptime(date_raw, "%Y%m%d").date()
        expires_at = datetime.strptime(expiry_raw, "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return _malformed("impossible date")
    key = keyring.keys.get(key_id)
    if key is None:
        return TokenCheck(None, Refusal.UNKNOWN_KEY, key_id)
    body = token[: -(SIGNATURE_CHARS + 1)]
    if not hmac.compare_digest(_signature(key, body), signature):
        return TokenCheck(None, Refusal.BAD_SIGNATURE)
    claims = Claims(key_id, int(assignment_raw), vin, service_date, expires_at)
    if now >= expires_at:
        return TokenCheck(claims, Refusal.EXPIRED)
    return TokenCheck(claims, None)
