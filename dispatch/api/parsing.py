"""Reading API input strictly: a JSON object of known keys with the right types, or a 4xx.

Everything here raises ValidationError naming the field (or HTTP 413/415), so that a client's
mistake is a clear 400 and never reaches the database as something it would choke on (NUL bytes
and lone surrogates break PostgreSQL text, huge integers overflow its columns).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time
from typing import Any

from flask import abort, current_app, request
from flask_babel import gettext as _

from dispatch.errors import ValidationError

#: Request bodies larger than this are refused with 413 (the app-wide limit is for uploads).
DEFAULT_MAX_BODY = 256 * 1024
MAX_DEPTH = 8
#: Largest integer accepted anywhere (what JavaScript clients can represent exactly).
MAX_SAFE_INT = 2**53
#: Ids and other integers stored in 32-bit columns.
MAX_ID = 2**31 - 1
#: Most ids in one list, and the longest date and time text.
MAX_ID_LIST = 100
MOMENT_MAX = 40

_MISSING = object()


def limit_body() -> None:
    request.max_content_length = current_app.config.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_object(allowed: Iterable[str]) -> dict[str, Any]:
    """The request body as a JSON object whose keys are all in ``allowed``."""
    if not request.is_json:
        abort(415, _("Send a JSON object with Content-Type: application/json."))
    raw = request.get_data(cache=False)  # 413 beyond the limit set in limit_body()
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValidationError(_("The body is not valid JSON."), field="body") from None
    if not isinstance(value, dict):
        raise ValidationError(_("The body must be a JSON object."), field="body")
    allowed = set(allowed)
    for key in value:
        if key not in allowed:
            raise ValidationError(
                _(
                    "Unknown field %(k)s. Allowed: %(a)s.",
                    k=_shown(key),
                    a=", ".join(sorted(allowed)),
                ),
                field=_shown(key),
            )
    _check_values(value)
    return value


def _shown(key: str) -> str:
    # Echo a client's key back only as safe, short text.
    text = key.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return text.replace("\x00", "\\x00")[:60]


def _check_values(root: dict[str, Any]) -> None:
    """Walk the whole document (without recursion, whatever its depth) and refuse values that
    no field accepts anywhere."""
    stack: list[tuple[str, Any, int]] = [(k, v, 1) for k, v in root.items()]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError(_("Nested too deeply."), field=_shown(path))
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_SAFE_INT:
                raise ValidationError(_("Number out of range."), field=_shown(path))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValidationError(_("Number out of range."), field=_shown(path))
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path)
                stack.append((f"{path}.{key}", item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))


def _check_text(value: str, path: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("Text may not contain NUL characters."), field=_shown(path))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
        raise ValidationError(_("Text is not valid Unicode."), field=_shown(path)) from None


# --- typed getters: each returns the default when the key is absent ----------------------------


def whole(value: Any) -> int | None:
    """``value`` as an integer if it is one, else None. JSON has only numbers: 3.0 is the
    integer 3 (JSON Schema says so, and clients that only have floats send it that way)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def text(
    data: Mapping[str, Any], key: str, *, max_len: int, default: str = "", required: bool = False
) -> str:
    value = data.get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationError(_("This field is required."), field=key)
        return default
    if not isinstance(value, str):
        raise ValidationError(_("Must be a string."), field=key)
    if len(value) > max_len:
        raise ValidationError(_("At most %(n)d characters.", n=max_len), field=key)
    return value


def identifier(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """An id (positive integer) or null; ``default`` when the key is absent."""
    value = data.get(key, _MISSING)
    if value is _MISSING:
        return default
    if value is None:
        return None
    number = whole(value)
    if number is None or not 1 <= number <= MAX_ID:
        raise ValidationError(
            _("Must be the id of a %(what)s (a positive integer) or null.", what=key), field=key
        )
    return number


def integer(
    data: Mapping[str, Any], key: str, *, minimum: int, maximum: int, default: Any = None
) -> Any:
    value = data.get(key, _MISSING)
    if value is _MISSING:
        return default
    if value is None:
        return None
    number = whole(value)
    if number is None or not minimum <= number <= maximum:
        raise ValidationError(
            _("Must be an integer from %(a)d to %(b)d.", a=minimum, b=maximum), field=key
        )
    return number


def number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(_("Must be a number."), field=key)
    return float(value)


def choice(data: Mapping[str, Any], key: str, choices: Iterable[str], default: Any = None) -> Any:
    choices = list(choices)
    value = data.get(key, _MISSING)
    if value is _MISSING:
        return default
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(_("Must be one of: %(c)s.", c=", ".join(choices)), field=key)
    return value


def scalar_map(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """An object whose values are strings, numbers, booleans or null (the extra fields)."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("Must be an object of field keys to values."), field=key)
    for name, item in value.items():
        if isinstance(item, (dict, list)):
            raise ValidationError(
                _("Must be a string, number, boolean or null."), field=f"{key}.{_shown(name)}"
            )
    return value


def id_list(data: Mapping[str, Any], key: str) -> list[int] | None:
    """A list of ids; None when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    ids = [whole(i) for i in value] if isinstance(value, list) else []
    if (
        not isinstance(value, list)
        or len(value) > MAX_ID_LIST
        or any(i is None or not 1 <= i <= MAX_ID for i in ids)
    ):
        raise ValidationError(_("Must be a list of ids (positive integers)."), field=key)
    return ids


def clock(data: Mapping[str, Any], key: str) -> time | None:
    """A time of day, "HH:MM"; None when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 8:
            raise ValueError
        parsed = time.fromisoformat(value)
        if parsed.tzinfo is not None:  # a site's local time; an offset would not compare
            raise ValueError
    except ValueError:
        raise ValidationError(_("Must be a time of day as HH:MM."), field=key) from None
    return parsed.replace(second=0, microsecond=0)


def moment(data: Mapping[str, Any], key: str, default: Any = None) -> datetime | None:
    """An ISO 8601 date and time with its offset ("2026-11-30T09:00:00Z"), as UTC."""
    value = data.get(key, _MISSING)
    if value is _MISSING:
        return default
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > MOMENT_MAX:
            raise ValueError
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            _("Must be an ISO 8601 date and time with its offset, e.g. 2026-11-30T09:00:00Z."),
            field=key,
        ) from None


# --- query strings -----------------------------------------------------------------------------


def query(allowed: Iterable[str]) -> dict[str, str]:
    """The query string as a dict; unknown or repeated parameters are refused (typos in a filter
    would otherwise silently widen the result)."""
    allowed = set(allowed)
    result: dict[str, str] = {}
    for key in request.args:
        if key not in allowed:
            raise ValidationError(
                _(
                    "Unknown parameter %(k)s. Allowed: %(a)s.",
                    k=_shown(key),
                    a=", ".join(sorted(allowed)),
                ),
                field=_shown(key),
            )
        values = request.args.getlist(key)
        if len(values) > 1:
            raise ValidationError(_("Give this parameter once."), field=key)
        result[key] = values[0]
    return result


def query_int(
    args: Mapping[str, str], key: str, *, default: int | None, minimum: int, maximum: int
) -> int | None:
    raw = args.get(key)
    if raw is None or raw == "":
        return default
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 12  # int() of 5000 digits raises
    if not digits or not minimum <= int(raw) <= maximum:
        raise ValidationError(
            _("Must be an integer from %(a)d to %(b)d.", a=minimum, b=maximum), field=key
        )
    return int(raw)


def query_choice(args: Mapping[str, str], key: str, choices: Iterable[str]) -> str | None:
    raw = args.get(key)
    if raw is None or raw == "":
        return None
    choices = list(choices)
    if raw not in choices:
        raise ValidationError(_("Must be one of: %(c)s.", c=", ".join(choices)), field=key)
    return raw
