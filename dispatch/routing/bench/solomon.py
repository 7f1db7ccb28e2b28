"""Solomon VRPTW instances (original text format) as Dispatch problems, and their BKS.

DIMACS convention, as in the best known solutions we compare with: every arc length is the
Euclidean distance truncated to one decimal, travel time equals distance, and the objective is
the total distance alone. The problem is scaled by 10 so that all of it is integer: a plan's
travel divided by 10 is directly comparable with the ``dimacs_cost`` column of ``bks.csv``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from ..model import Job, Problem, Vehicle

SCALE = 10


@dataclass
class Instance:
    name: str
    vehicles: int
    capacity: int
    # rows: (number, x, y, demand, ready, due, service), row 0 is the depot
    rows: list[tuple[int, float, float, int, int, int, int]]


def read_instance(path: str | Path) -> Instance:
    """Parse a Solomon ``.txt`` file."""
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    name = lines[0]
    k = next(i for i, line in enumerate(lines) if line.upper().startswith("NUMBER"))
    vehicles, capacity = (int(x) for x in lines[k + 1].split()[:2])
    rows = []
    for line in lines[k + 2 :]:
        parts = line.split()
        if len(parts) == 7 and parts[0].isdigit():
            n, x, y, demand, ready, due, service = parts
            rows.append(
                (
                    int(n),
                    float(x),
                    float(y),
                    int(float(demand)),
                    int(float(ready)),
                    int(float(due)),
                    int(float(service)),
                )
            )
    return Instance(name, vehicles, capacity, rows)


def distance_matrix(instance: Instance) -> list[list[int]]:
    """Arc lengths × 10, truncated (the DIMACS one-decimal truncation)."""
    pts = [(x, y) for _, x, y, *_ in instance.rows]
    return [[int(math.hypot(ax - bx, ay - by) * SCALE + 1e-9) for bx, by in pts] for ax, ay in pts]


def to_problem(instance: Instance) -> Problem:
    """Depot = location 0; every customer a job, every vehicle a shift over the depot's day."""
    depot = instance.rows[0]
    jobs = [
        Job(
            id=n,
            location_index=k,
            service=service * SCALE,
            time_windows=((ready * SCALE, due * SCALE),),
            delivery=(demand,),
        )
        for k, (n, _, _, demand, ready, due, service) in enumerate(instance.rows)
        if k
    ]
    horizon = (depot[4] * SCALE, depot[5] * SCALE)
    vehicles = [
        Vehicle(
            id=v + 1, start_index=0, end_index=0, time_window=horizon, capacity=(instance.capacity,)
        )
        for v in range(instance.vehicles)
    ]
    return Problem(jobs, vehicles, distance_matrix(instance))


def read_bks(path: str | Path) -> dict[str, dict[str, str]]:
    """``bks.csv`` rows by instance name."""
    with open(path, newline="") as f:
        return {row["instance"]: row for row in csv.DictReader(f)}


def find_instances(directory: str | Path, names: list[str] | None = None) -> list[Path]:
    """The ``.txt`` instances under ``directory`` (itself or its ``txt/``), optionally filtered."""
    root = Path(directory)
    folder = root / "txt" if (root / "txt").is_dir() else root
    files = sorted(folder.glob("*.txt"), key=lambda p: p.stem)
    if names:
        wanted = {n.upper() for n in names}
        files = [p for p in files if p.stem.upper() in wanted]
    return files
