"""Reading the values of a JSON problem document: each reader takes a value and its path in
the document, and returns a clean Python value or raises :class:`InputError` naming that path
(``vehicles[1].time_window[0]``), so a dispatcher can find the mistake.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .model import HORIZON

MAX_ID = 2**64 - 1  # VROOM ids are unsigned 64-bit integers

__all__ = [
    "InputError",
    "describe",
    "read_object",
    "read_list",
    "read_int",
    "read_number",
    "read_text",
    "read_ints",
    "read_window",
    "read_windows",
    "read_location",
]


class InputError(ValueError):
    """A problem document that cannot be accepted; ``where`` is its path in the document."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


def describe(value: Any) -> str:
    """The value as JSON, shortened to 40 characters, for error messages."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_object(value: Any, where: str, allowed: set[str]) -> dict:
    """An object whose keys are all in ``allowed``."""
    if not isinstance(value, dict):
        raise InputError(where, f"expected an object, got {describe(value)}")
    for key in value:  # document order, so the first bad key is the one reported
        if key not in allowed:
            raise InputError(f"{where}.{key}" if where else key, "unknown key")
    return value


def read_list(value: Any, where: str) -> list:
    """An array."""
    if not isinstance(value, list):
        raise InputError(where, f"expected an array, got {describe(value)}")
    return value


def read_int(value: Any, where: str, low: int = 0, high: int = HORIZON, what: str = "") -> int:
    """An integer in ``[low, high]``; ``what`` names it in the message for a negative one."""
    # bool is an int subclass in Python; JSON true/false are never meant as numbers here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(where, f"expected an integer, got {describe(value)}")
    if value < low:
        if low == 0:
            raise InputError(where, f"negative {what or 'value'} {value}")
        raise InputError(where, f"{value} below {low}")
    if value > high:
        raise InputError(where, f"{value} above {high}")
    return value


def read_number(value: Any, where: str) -> float:
    """A finite number, integer or not."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(where, f"expected a number, got {describe(value)}")
    return float(value)


def read_text(value: Any, where: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise InputError(where, f"expected a string, got {describe(value)}")
    return value


def read_ints(value: Any, where: str, what: str = "value") -> tuple[int, ...]:
    """An array of integers ≥ 0."""
    items = read_list(value, where)
    return tuple(read_int(v, f"{where}[{i}]", what=what) for i, v in enumerate(items))


def read_window(value: Any, where: str) -> tuple[int, int]:
    """A time window ``[start, end]``, end not before start."""
    pair = read_list(value, where)
    if len(pair) != 2:
        raise InputError(where, f"expected [start, end], got {describe(value)}")
    start = read_int(pair[0], f"{where}[0]", what="time")
    end = read_int(pair[1], f"{where}[1]", what="time")
    if end < start:
        raise InputError(where, "end before start")
    return (start, end)


def read_windows(value: Any, where: str) -> tuple[tuple[int, int], ...]:
    """One or more time windows, sorted."""
    items = read_list(value, where)
    if not items:
        raise InputError(where, "needs at least one window")
    return tuple(sorted(read_window(w, f"{where}[{i}]") for i, w in enumerate(items)))


def read_location(value: Any, where: str) -> tuple[float, float]:
    """Coordinates ``[lon, lat]`` in degrees."""
    pair = read_list(value, where)
    if len(pair) != 2:
        raise InputError(where, f"expected [lon, lat], got {describe(value)}")
    lon, lat = read_number(pair[0], f"{where}[0]"), read_number(pair[1], f"{where}[1]")
    if not -180.0 <= lon <= 180.0:
        raise InputError(f"{where}[0]", f"longitude {lon} outside -180..180")
    if not -90.0 <= lat <= 90.0:
        raise InputError(f"{where}[1]", f"latitude {lat} outside -90..90")
    return (lon, lat)
