"""/invite's words: a name, then optionally the invitee's phone number; numbers compared."""

from __future__ import annotations

import pytest

from bot.services.invitations import phones_match, split_invite_args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["Pan", "Guangde"], ("Pan Guangde", "")),
        (["Pan", "Guangde", "+8613800000001"], ("Pan Guangde", "+8613800000001")),
        (["王伟", "+86", "138", "0000", "0001"], ("王伟", "+8613800000001")),
        (["Ivan", "8-701-123-45-67"], ("Ivan", "+87011234567")),
        (["Truck", "42"], ("Truck 42", "")),  # too short for a phone: part of the name
        (["+77011234567"], ("", "+77011234567")),
        ([], ("", "")),
    ],
)
def test_invite_words_split_into_name_and_phone(
    args: list[str], expected: tuple[str, str]
) -> None:
    assert split_invite_args(args) == expected


@pytest.mark.parametrize(
    ("invited", "shared", "same"),
    [
        ("+8613800000001", "8613800000001", True),
        ("+8613800000001", "+86 138 0000 0001", True),
        ("+13800000001", "8613800000001", True),  # typed without the country code
        ("+8613800000001", "8613800000002", False),
        ("+8613800000001", "", False),
        ("+0001", "0001", False),  # too few digits to mean anything
    ],
)
def test_phone_numbers_compare_by_their_digits(invited: str, shared: str, same: bool) -> None:
    assert phones_match(invited, shared) is same
