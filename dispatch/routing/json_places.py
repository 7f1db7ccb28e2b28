"""Where the places of a JSON problem document are, and how long it takes between them.

Either the document gives ``matrices.car.durations`` (or, as older VROOM versions read it, a
top-level ``matrix`` of durations: the same matrix) and every job and vehicle refers to its
rows by ``location_index``, or it gives coordinates (``location``, ``start``, ``end``) and the
travel matrix is built from them by :mod:`geometry` (great-circle distance × circuity ÷ speed;
``options.speed_kmh`` defaults to 40 and ``options.circuity`` to 1.3, town driving), identical
coordinates sharing one matrix index.
"""

from __future__ import annotations

from .geometry import DEFAULT_CIRCUITY, DEFAULT_SPEED_KMH, LocationTable
from .json_values import InputError, read_int, read_list, read_location, read_number, read_object

__all__ = ["Places", "read_matrix", "read_options", "read_balance"]

OPTION_KEYS = {"speed_kmh", "circuity", "balance"}


class Places:
    """Resolves ``location``/``location_index`` pairs the same way for jobs and vehicles."""

    def __init__(self, matrix: list[list[int]] | None) -> None:
        self.matrix = matrix
        self.table = LocationTable()

    def resolve(self, obj: dict, where: str, coord_key: str, index_key: str, required: bool):
        """``(matrix index, coordinates or None)`` of ``obj``'s place, ``(None, None)`` when
        it has none and needs none."""
        coords = read_location(obj[coord_key], f"{where}.{coord_key}") if coord_key in obj else None
        if self.matrix is not None:
            if index_key not in obj:
                if required or coords is not None:
                    raise InputError(where, f"{index_key} missing (required with matrices)")
                return None, None
            index = read_int(obj[index_key], f"{where}.{index_key}")
            if index >= len(self.matrix):
                raise InputError(
                    f"{where}.{index_key}",
                    f"{index} out of range (matrix has {len(self.matrix)} rows)",
                )
            return index, coords
        if index_key in obj:
            raise InputError(f"{where}.{index_key}", "needs matrices.car.durations")
        if coords is None:
            if required:
                raise InputError(where, f"{coord_key} missing (required without matrices)")
            return None, None
        return self.table.index_of(coords), coords


def read_matrix(doc: dict) -> list[list[int]] | None:
    """The document's square travel matrix (``matrices.car.durations``, or the legacy
    top-level ``matrix``), None without one."""
    if "matrix" in doc:
        if "matrices" in doc:
            raise InputError("matrix", "give either matrix (legacy) or matrices, not both")
        return _square(doc["matrix"], "matrix")
    if "matrices" not in doc:
        return None
    matrices = read_object(doc["matrices"], "matrices", {"car"})
    if "car" not in matrices:
        raise InputError("matrices", "car profile missing")
    car = read_object(matrices["car"], "matrices.car", {"durations"})
    if "durations" not in car:
        raise InputError("matrices.car", "durations missing")
    return _square(car["durations"], "matrices.car.durations")


def _square(value, where: str) -> list[list[int]]:
    """A square matrix of travel seconds at ``where``."""
    rows = read_list(value, where)
    if not rows:
        raise InputError(where, "empty matrix")
    n = len(rows)
    matrix = []
    for i, row in enumerate(rows):
        row = read_list(row, f"{where}[{i}]")
        if len(row) != n:
            raise InputError(
                f"{where}[{i}]",
                f"row has {len(row)} entries, expected {n} (the matrix must be square)",
            )
        matrix.append(
            [read_int(v, f"{where}[{i}][{j}]", what="travel time") for j, v in enumerate(row)]
        )
    return matrix


def read_options(doc: dict) -> tuple[float, float]:
    """``(speed in km/h, circuity)`` for building a matrix from coordinates."""
    opts = read_object(doc.get("options", {}), "options", OPTION_KEYS)
    speed = read_number(opts.get("speed_kmh", DEFAULT_SPEED_KMH), "options.speed_kmh")
    if speed <= 0:
        raise InputError("options.speed_kmh", "must be positive")
    circuity = read_number(opts.get("circuity", DEFAULT_CIRCUITY), "options.circuity")
    if circuity < 1.0:
        raise InputError(
            "options.circuity", "must be at least 1 (roads are never shorter than the great circle)"
        )
    return speed, circuity


def read_balance(doc: dict) -> int:
    """``options.balance``: the weight of evening out working time (0, the default: off)."""
    opts = read_object(doc.get("options", {}), "options", OPTION_KEYS)
    return read_int(opts.get("balance", 0), "options.balance", what="weight")
