"""Great-circle distance and the soft geofence verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres; accurate to ~0.5 %, plenty for a geofence."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class GeofenceVerdict:
    distance_m: float
    radius_m: float

    @property
    def inside(self) -> bool:
        return self.distance_m <= self.radius_m

    @property
    def flagged(self) -> bool:
        """Soft fence: outside is still a delivery, but an admin should look at it."""
        return not self.inside


def geofence(
    lat: float, lon: float, target_lat: float, target_lon: float, radius_m: float
) -> GeofenceVerdict:
    return GeofenceVerdict(distance_m(lat, lon, target_lat, target_lon), radius_m)
