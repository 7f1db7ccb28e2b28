"""Seeded field-service days: what a dispatcher of a multi-site company plans every morning.

``field_problem(seed)`` builds one day, the same for the same seed and sizes on every machine:

* sites clustered in a city (a few business districts, a scatter elsewhere), some sites with
  several jobs; technicians leave from and return to their homes in and around the city;
* 60–300 jobs and 6–25 technicians unless given; shifts of 8–9 hours with a 30-minute lunch
  break to take between 11:30 and 14:00;
* skills (a job needs at most two of five trades), one or two time windows per job (or the
  whole day), 15–120 minutes of service, 5 minutes of setup (parking, signing in);
* priorities 1–100, mostly routine work and a few urgent jobs; small part deliveries against a
  van capacity;
* about one seed in three is an over-subscribed day, where not everything fits and the plan has
  to choose.

Travel times come from the coordinates like the app's default: great-circle distance × 1.3
circuity ÷ 30 km/h, in whole seconds. Times are seconds since midnight.
"""

from __future__ import annotations

import math
import random

from ..model import Break, Job, Problem, Vehicle

HOUR = 3600
CITY = (4.85, 45.75)  # lon, lat of the city centre (any city would do)
SPEED_KMH = 30.0
CIRCUITY = 1.3


def point_near(rng: random.Random, centre: tuple[float, float], km: float) -> tuple[float, float]:
    """A point around ``centre``, normally spread with ``km`` standard deviation."""
    dx, dy = rng.gauss(0, km), rng.gauss(0, km)
    lat = centre[1] + dy / 111.2
    lon = centre[0] + dx / (111.2 * math.cos(math.radians(centre[1])))
    return round(lon, 6), round(lat, 6)


def travel_seconds(a: tuple[float, float], b: tuple[float, float]) -> int:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0 * math.asin(math.sqrt(h)) * CIRCUITY
    return int(round(km / SPEED_KMH * HOUR))


def sizes(seed: int) -> tuple[int, int, bool]:
    """Default (jobs, technicians, over-subscribed) of a seed."""
    rng = random.Random(f"sizes-{seed}")
    jobs = rng.randint(60, 300)
    tight = seed % 3 == 0
    per_tech = rng.uniform(9.0, 12.0) if tight else rng.uniform(4.5, 6.0)
    return jobs, max(6, min(25, round(jobs / per_tech))), tight


def field_problem(seed: int, jobs: int | None = None, vehicles: int | None = None) -> Problem:
    """One generated day (see the module docstring)."""
    n_default, m_default, _ = sizes(seed)
    n = jobs or n_default
    m = vehicles or m_default
    rng = random.Random(f"field-{seed}-{n}-{m}")
    districts = [point_near(rng, CITY, 4.0) for _ in range(rng.randint(4, 7))]
    n_sites = max(1, int(n * rng.uniform(0.7, 0.9)))
    sites = [
        point_near(rng, rng.choice(districts), 1.2)
        if rng.random() < 0.75
        else point_near(rng, CITY, 6.0)
        for _ in range(n_sites)
    ]
    homes = [point_near(rng, CITY, 9.0) for _ in range(m)]
    places = homes + sites
    matrix = [[travel_seconds(a, b) for b in places] for a in places]

    technicians = []
    for k in range(m):
        start = rng.choice((7 * HOUR, 8 * HOUR, 8 * HOUR, 8 * HOUR + 1800, 9 * HOUR))
        length = rng.choice((8 * HOUR, 8 * HOUR + 1800, 9 * HOUR))
        skills = frozenset(rng.sample(range(1, 6), rng.randint(2, 4)))
        lunch = Break(
            id=1, time_windows=((11 * HOUR + 1800, 14 * HOUR),), service=1800, description="lunch"
        )
        technicians.append(
            Vehicle(
                id=k + 1,
                start_index=k,
                end_index=k,
                time_window=(start, start + length),
                skills=skills,
                capacity=(rng.choice((15, 20, 25)),),
                breaks=(lunch,),
                description=f"technician {k + 1}",
                start=homes[k],
                end=homes[k],
            )
        )

    day_start, day_end = 7 * HOUR, 18 * HOUR
    work = []
    for i in range(n):
        site = rng.randrange(n_sites) if i >= n_sites else i
        kind = rng.random()
        if kind < 0.45:
            windows = ((day_start, day_end),)
        elif kind < 0.85:
            begin = rng.choice((8, 9, 10, 13, 14, 15)) * HOUR
            windows = ((begin, begin + rng.choice((2, 3, 4)) * HOUR),)
        else:
            morning = rng.choice((8, 9)) * HOUR
            afternoon = rng.choice((13, 14, 15)) * HOUR
            windows = ((morning, morning + 2 * HOUR), (afternoon, afternoon + 2 * HOUR))
        roll = rng.random()
        skills = (
            frozenset()
            if roll < 0.3
            else frozenset(rng.sample(range(1, 6), 1))
            if roll < 0.9
            else frozenset(rng.sample(range(1, 6), 2))
        )
        priority = (
            rng.randint(60, 100)
            if rng.random() < 0.1
            else rng.randint(20, 50)
            if rng.random() < 0.3
            else rng.randint(1, 20)
        )
        work.append(
            Job(
                id=i + 1,
                location_index=m + site,
                service=rng.choice((15, 30, 30, 45, 60, 90, 120)) * 60,
                setup=300,
                time_windows=windows,
                skills=skills,
                priority=priority,
                delivery=(rng.choice((0, 0, 1, 1, 2, 3)),),
                description=f"job {i + 1}",
                location=sites[site],
            )
        )
    return Problem(work, technicians, matrix)
