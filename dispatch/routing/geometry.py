"""Great-circle travel times, for problems that give coordinates instead of a matrix.

Road travel is estimated as the great-circle (haversine) distance stretched by a *circuity*
factor (roads are not straight lines) and divided by an average speed. The defaults suit
technicians driving in and around a town: 40 km/h on average, roads 30 % longer than the
crow flies. Both can be overridden per problem with the ``options`` object of the JSON input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Mean Earth radius in metres (IUGG), the usual choice for haversine distances.
EARTH_RADIUS_M = 6_371_008.8

#: Default average road speed in km/h.
DEFAULT_SPEED_KMH = 40.0

#: Default ratio of road distance to great-circle distance.
DEFAULT_CIRCUITY = 1.3

#: A coordinate pair ``(lon, lat)`` in degrees, VROOM's order.
LonLat = tuple[float, float]


def haversine_m(a: LonLat, b: LonLat) -> float:
    """Great-circle distance in metres between two ``(lon, lat)`` points in degrees."""
    lon1, lat1 = math.radians(a[0]), math.radians(a[1])
    lon2, lat2 = math.radians(b[0]), math.radians(b[1])
    sin_dlat = math.sin((lat2 - lat1) / 2)
    sin_dlon = math.sin((lon2 - lon1) / 2)
    h = sin_dlat * sin_dlat + math.cos(lat1) * math.cos(lat2) * sin_dlon * sin_dlon
    # min() guards asin against h creeping above 1 through rounding for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def travel_seconds(
    a: LonLat,
    b: LonLat,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    circuity: float = DEFAULT_CIRCUITY,
) -> int:
    """Estimated road travel time in whole seconds (rounded to nearest) from ``a`` to ``b``."""
    metres = haversine_m(a, b) * circuity
    return int(round(metres / (speed_kmh * 1000.0 / 3600.0)))


def duration_matrix(
    points: Sequence[LonLat],
    speed_kmh: float = DEFAULT_SPEED_KMH,
    circuity: float = DEFAULT_CIRCUITY,
) -> list[list[int]]:
    """Square, symmetric matrix of travel seconds between ``points`` (zero diagonal)."""
    n = len(points)
    matrix = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            t = travel_seconds(points[i], points[j], speed_kmh, circuity)
            matrix[i][j] = matrix[j][i] = t
    return matrix


class LocationTable:
    """Gives each distinct coordinate pair one matrix index, in order of first appearance.

    Identical coordinates share an index, so that a technician starting at a job's address, or
    two jobs at the same site, are zero seconds apart and VROOM's "no second setup at the same
    place" rule applies to them.
    """

    def __init__(self) -> None:
        self._index: dict[LonLat, int] = {}
        self.points: list[LonLat] = []

    def index_of(self, point: LonLat) -> int:
        key = (float(point[0]), float(point[1]))
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.points)
            self.points.append(key)
        return found

    def matrix(
        self, speed_kmh: float = DEFAULT_SPEED_KMH, circuity: float = DEFAULT_CIRCUITY
    ) -> list[list[int]]:
        return duration_matrix(self.points, speed_kmh, circuity)
