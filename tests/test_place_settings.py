"""Places carry their own time zone and names per language."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ConfigError, parse_settings


def _settings(*places: dict[str, Any]) -> Any:
    data = {"company": {"timezone": "Asia/Urumqi"}, "places": list(places)}
    return parse_settings(data, "<memory>", env={})


def _place(**values: Any) -> dict[str, Any]:
    return {
        "code": "p",
        "name": "P",
        "kind": "yard",
        "latitude": 44.0,
        "longitude": 80.0,
        **values,
    }


def test_zones_default_by_country() -> None:
    yard, lot, checkpoint = _settings(
        _place(code="yard"),
        _place(code="lot", kind="lot"),
        _place(code="kz", kind="checkpoint", country="kz"),
    ).places
    assert (yard.country, yard.timezone) == ("CN", "Asia/Urumqi")  # the company's clock
    assert (lot.country, lot.timezone) == ("KZ", "Asia/Almaty")
    assert checkpoint.timezone == "Asia/Almaty"


def test_a_zone_and_names_can_be_given() -> None:
    (place,) = _settings(
        _place(kind="lot", timezone="Asia/Shanghai", names={"zh": "交车场", "kk": "Алаң"})
    ).places
    assert place.timezone == "Asia/Shanghai"
    assert dict(place.names) == {"zh": "交车场", "kk": "Алаң"}


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"names": {"de": "Hof"}}, "places[0].names.de"),
        ({"names": {"zh": " "}}, "places[0].names.zh"),
        ({"country": "RU"}, "places[0].country"),
        ({"timezone": "Asia/Nowhere"}, "places[0].timezone"),
    ],
)
def test_bad_place_settings_are_named(values: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(_place(**values))
    assert caught.value.setting == setting


def test_the_dispatcher_phone_is_normalised_or_refused_by_name() -> None:
    data: dict[str, Any] = {"company": {"dispatcher_phone": "+86 139-0000-0009"}}
    assert parse_settings(data, "<memory>", env={}).company.dispatcher_phone == "+8613900000009"
    with pytest.raises(ConfigError) as caught:
        parse_settings({"company": {"dispatcher_phone": "call me"}}, "<memory>", env={})
    assert caught.value.setting == "company.dispatcher_phone"
