"""Great-circle travel times and the coordinate → matrix-index table."""

from __future__ import annotations

import pytest

from dispatch.routing.geometry import LocationTable, duration_matrix, haversine_m, travel_seconds

PARIS = (2.3522, 48.8566)
LONDON = (-0.1276, 51.5072)


def test_haversine_matches_known_distances():
    assert haversine_m(PARIS, PARIS) == 0
    # Paris–London is about 343.5 km along the great circle.
    assert haversine_m(PARIS, LONDON) == pytest.approx(343_500, rel=0.005)
    assert haversine_m(PARIS, LONDON) == pytest.approx(haversine_m(LONDON, PARIS))
    # One degree of latitude is about 111.2 km anywhere.
    assert haversine_m((10.0, 0.0), (10.0, 1.0)) == pytest.approx(111_195, rel=0.001)
    # Antipodes: half the circumference, no math domain error.
    assert haversine_m((0.0, 0.0), (180.0, 0.0)) == pytest.approx(20_015_087, rel=0.001)


def test_travel_seconds_is_distance_times_circuity_over_speed():
    one_degree = haversine_m((0.0, 0.0), (0.0, 1.0))
    expected = round(one_degree * 1.3 / (40 / 3.6))
    assert travel_seconds((0.0, 0.0), (0.0, 1.0)) == expected
    assert travel_seconds((0.0, 0.0), (0.0, 1.0), speed_kmh=80, circuity=1.0) == round(
        one_degree / (80 / 3.6)
    )
    assert isinstance(travel_seconds(PARIS, LONDON), int)


def test_matrix_is_square_symmetric_with_zero_diagonal():
    m = duration_matrix([PARIS, LONDON, (4.8357, 45.7640)])
    assert len(m) == 3 and all(len(row) == 3 for row in m)
    assert all(m[i][i] == 0 for i in range(3))
    assert all(m[i][j] == m[j][i] > 0 for i in range(3) for j in range(3) if i != j)


def test_location_table_deduplicates_identical_coordinates():
    table = LocationTable()
    assert table.index_of(PARIS) == 0
    assert table.index_of(LONDON) == 1
    assert table.index_of((2.3522, 48.8566)) == 0
    assert table.index_of([2.3522, 48.8566]) == 0  # a JSON list is the same place
    assert table.points == [PARIS, LONDON]
    assert table.matrix() == duration_matrix([PARIS, LONDON])
