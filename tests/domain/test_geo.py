"""Great-circle distances against known figures, and the soft geofence."""

from __future__ import annotations

import math

import pytest

from bot.domain.geo import EARTH_RADIUS_M, GeofenceVerdict, distance_m, geofence

HORGOS_YARD = (44.2140, 80.4080)
ALMATY = (43.2380, 76.9450)
ZHARKENT_LOT = (44.1630, 80.0020)

# Reference figures from an ellipsoidal (WGS84, Vincenty) computation and atlases; a
# spherical formula is within ~0.5 % of them.
KNOWN = [
    ("Horgos-Almaty", HORGOS_YARD, ALMATY, 299_330.0),
    ("Horgos yard-Zharkent lot", HORGOS_YARD, ZHARKENT_LOT, 32_951.0),
    ("London-Paris", (51.5074, -0.1278), (48.8566, 2.3522), 343_923.0),
    ("Beijing-Shanghai", (39.9042, 116.4074), (31.2304, 121.4737), 1_065_846.0),
]

METRES_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_M / 360  # ~111.195 km on the mean sphere


@pytest.mark.parametrize(("name", "a", "b", "expected"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_distances(
    name: str, a: tuple[float, float], b: tuple[float, float], expected: float
) -> None:
    got = distance_m(*a, *b)
    assert got == pytest.approx(expected, rel=0.005), name
    assert distance_m(*b, *a) == pytest.approx(got)  # symmetric


def test_horgos_to_almaty_is_about_300_km() -> None:
    assert 290_000 < distance_m(*HORGOS_YARD, *ALMATY) < 310_000


def test_one_degree_of_latitude_and_of_longitude_at_the_equator() -> None:
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_195, abs=1)
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, abs=1)
    assert pytest.approx(111_195, abs=1) == METRES_PER_DEGREE


def test_longitude_degrees_shrink_with_latitude() -> None:
    # At Horgos' latitude a degree of longitude is cos(44.2°) of one at the equator.
    got = distance_m(44.2, 80.0, 44.2, 81.0)
    assert got == pytest.approx(METRES_PER_DEGREE * math.cos(math.radians(44.2)), rel=1e-3)


def test_extremes() -> None:
    assert distance_m(*HORGOS_YARD, *HORGOS_YARD) == 0.0
    assert distance_m(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert distance_m(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert distance_m(0, 179.5, 0, -179.5) == pytest.approx(METRES_PER_DEGREE, rel=1e-6)


def _north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / METRES_PER_DEGREE, point[1]


def _east_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    lat = point[0]
    return lat, point[1] + metres / (METRES_PER_DEGREE * math.cos(math.radians(lat)))


def test_twelve_km_from_the_lot_is_flagged() -> None:
    lat, lon = _north_of(ZHARKENT_LOT, 12_000)
    verdict = geofence(lat, lon, *ZHARKENT_LOT, radius_m=1_000)
    assert verdict.distance_m == pytest.approx(12_000, rel=1e-3)
    assert verdict.flagged
    assert not verdict.inside


def test_five_hundred_metres_from_the_lot_is_inside() -> None:
    lat, lon = _east_of(ZHARKENT_LOT, 500)
    verdict = geofence(lat, lon, *ZHARKENT_LOT, radius_m=1_000)
    assert verdict.distance_m == pytest.approx(500, rel=1e-2)
    assert verdict.inside
    assert not verdict.flagged


def test_radius_boundary_counts_as_inside() -> None:
    assert GeofenceVerdict(distance_m=1_000.0, radius_m=1_000.0).inside
    assert GeofenceVerdict(distance_m=1_000.001, radius_m=1_000.0).flagged


def test_radius_is_respected() -> None:
    lat, lon = _north_of(ZHARKENT_LOT, 1_500)
    assert geofence(lat, lon, *ZHARKENT_LOT, radius_m=1_000).flagged
    assert geofence(lat, lon, *ZHARKENT_LOT, radius_m=2_000).inside
