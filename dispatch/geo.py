"""Places: the geopy adapter. Geocoding through a configurable provider, distances and
travel-time matrices. All network I/O about places lives here; nothing here touches the
database (the cache is in dispatch.sites.geocoding) or needs a request context.

Nothing may hang a page: every call has a short timeout, retries are off, and after a failure
the provider is left alone for ``retry_after`` seconds so a list of saves does not wait on it
again and again.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from geopy.distance import great_circle
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

log = logging.getLogger(__name__)

#: (latitude, longitude) in decimal degrees.
Point = tuple[float, float]

#: Nominatim's usage policy: at most one request per second.
NOMINATIM_MIN_DELAY = 1.0
#: OSRM's default ``--max-table-size`` is 100 coordinates per request.
OSRM_MAX_COORDINATES = 100
OSRM_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class GeocoderUnreachable(Exception):
    """The provider could not answer (network down, timeout, refused, quota, bad setup)."""


@dataclass(frozen=True)
class Found:
    """One geocoding answer."""

    latitude: float
    longitude: float
    display_name: str
    provider: str


@dataclass(frozen=True)
class GeocoderSettings:
    """Which provider to ask and how; built from the app config by ``settings_from_config``."""

    service: str
    options_json: str = "{}"  # a hashable form of the provider's keyword arguments
    user_agent: str = "Dispatch"
    timeout: float = 3.0
    min_delay: float = 0.0
    retry_after: float = 60.0

    @property
    def options(self) -> dict[str, Any]:
        return json.loads(self.options_json)


def user_agent(config: Mapping[str, Any]) -> str:
    """``Dispatch/<version> (+<contact>)``: providers such as Nominatim require an honest one."""
    if config.get("GEOCODER_USER_AGENT"):
        return str(config["GEOCODER_USER_AGENT"])
    try:
        version = metadata.version("dispatch")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0"
    contact = config.get("GEOCODER_CONTACT") or ""
    return f"Dispatch/{version}" + (f" (+{contact})" if contact else "")


def settings_from_config(config: Mapping[str, Any]) -> GeocoderSettings | None:
    """The geocoder the configuration asks for, or None when geocoding is switched off."""
    service = (config.get("GEOCODER") or "").strip().lower()
    if service in ("", "off", "none"):
        return None
    min_delay = config.get("GEOCODER_MIN_DELAY_SECONDS")
    if min_delay is None:
        min_delay = NOMINATIM_MIN_DELAY if service == "nominatim" else 0.0
    return GeocoderSettings(
        service=service,
        options_json=json.dumps(dict(config.get("GEOCODER_OPTIONS") or {}), sort_keys=True),
        user_agent=user_agent(config),
        timeout=float(config.get("GEOCODER_TIMEOUT", 3.0)),
        min_delay=float(min_delay),
        retry_after=float(config.get("GEOCODER_RETRY_AFTER", 60.0)),
    )


# One geocoder (and one rate limiter) per configuration and process: the limiter only protects
# the provider if every request of the process goes through the same one.
_lock = threading.Lock()
_geocoders: dict[GeocoderSettings, Callable[..., Any]] = {}
_down_until: dict[GeocoderSettings, float] = {}


def _geocoder(settings: GeocoderSettings) -> Callable[..., Any]:
    with _lock:
        found = _geocoders.get(settings)
        if found is None:
            cls = get_geocoder_for_service(settings.service)
            instance = cls(
                user_agent=settings.user_agent, timeout=settings.timeout, **settings.options
            )
            found = instance.geocode
            if settings.min_delay > 0:
                # No retries: a retry would make the page wait; the user can press again.
                found = RateLimiter(
                    instance.geocode,
                    min_delay_seconds=settings.min_delay,
                    max_retries=0,
                    swallow_exceptions=False,
                )
            _geocoders[settings] = found
        return found


def reset() -> None:
    """Forget the geocoders and the providers marked as down (tests, config reloads)."""
    with _lock:
        _geocoders.clear()
        _down_until.clear()


def is_down(settings: GeocoderSettings) -> bool:
    with _lock:
        return _down_until.get(settings, 0.0) > time.monotonic()


def geocode(query: str, settings: GeocoderSettings) -> Found | None:
    """The best match for an address, or None when the provider knows no such place.

    Raises GeocoderUnreachable when the provider cannot be asked; the caller saves the address
    anyway and leaves the point empty.
    """
    # Composed form (NFC): "Ș" pasted as "S" + combining comma below is the same letter, but
    # geocoders index the composed one. geopy sends the query as UTF-8, percent-encoded.
    query = unicodedata.normalize("NFC", " ".join((query or "").split()))
    if not query:
        return None
    if is_down(settings):
        raise GeocoderUnreachable(f"{settings.service} failed recently; not asked again yet")
    try:
        location = _geocoder(settings)(query, exactly_one=True)
    except (GeopyError, OSError, TypeError, ValueError) as exc:
        # TypeError/ValueError: options the provider class does not accept, or a bad answer.
        with _lock:
            _down_until[settings] = time.monotonic() + settings.retry_after
        log.warning("geocoder %s unreachable: %s", settings.service, exc)
        raise GeocoderUnreachable(str(exc) or type(exc).__name__) from exc
    if location is None:
        return None
    lat, lon = float(location.latitude), float(location.longitude)
    if not is_valid_point(lat, lon):
        return None
    return Found(lat, lon, str(location.address or "")[:500], settings.service)


# --- distances ---------------------------------------------------------------------------------


def is_valid_point(latitude: Any, longitude: Any) -> bool:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return False
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def _check_point(point: Sequence[float]) -> Point:
    if len(point) != 2 or not is_valid_point(point[0], point[1]):
        raise ValueError(f"not a (latitude, longitude) point: {point!r}")
    return float(point[0]), float(point[1])


def great_circle_km(a: Point, b: Point) -> float:
    """Distance along the Earth's surface, in kilometres."""
    return great_circle(_check_point(a), _check_point(b)).km


def travel_seconds(a: Point, b: Point, speed_kmh: float, circuity: float) -> int:
    """Estimated travel time: great-circle distance × circuity (roads are not straight) ÷
    speed, in whole seconds."""
    _check_speed(speed_kmh, circuity)
    return round(great_circle_km(a, b) * circuity / speed_kmh * 3600)


def _check_speed(speed_kmh: float, circuity: float) -> None:
    if not (math.isfinite(speed_kmh) and speed_kmh > 0):
        raise ValueError("speed_kmh must be a positive number")
    if not (math.isfinite(circuity) and circuity > 0):
        raise ValueError("circuity must be a positive number")


def travel_matrix(
    points: list[tuple[float, float]],
    *,
    speed_kmh: float,
    circuity: float,
    osrm_url: str | None = None,
    timeout: float = 5,
) -> list[list[int]]:
    """Square matrix of travel times in seconds between ``points`` (latitude, longitude).

    Great-circle × circuity ÷ speed by default. With ``osrm_url``, road times from an OSRM
    table service; if it fails (or leaves a pair unroutable) the estimate is used instead and
    a warning is logged, so planning never stops for want of a road network.
    """
    pts = [_check_point(p) for p in points]
    _check_speed(speed_kmh, circuity)
    matrix = [
        [0 if i == j else travel_seconds(a, b, speed_kmh, circuity) for j, b in enumerate(pts)]
        for i, a in enumerate(pts)
    ]
    if osrm_url and len(pts) > 1:
        try:
            road = osrm_table(pts, osrm_url, timeout=timeout)
        except OsrmError as exc:
            log.warning("OSRM table at %s failed (%s); using great-circle estimates", osrm_url, exc)
            return matrix
        gaps = 0
        for i, row in enumerate(road):
            for j, value in enumerate(row):
                if i == j:
                    continue
                if value is None:
                    gaps += 1
                else:
                    matrix[i][j] = value
        if gaps:
            log.warning("OSRM found no road for %d pairs; using great-circle estimates there", gaps)
    return matrix


class OsrmError(Exception):
    """The OSRM table service did not give a usable answer."""


def osrm_table(
    points: Sequence[Point], osrm_url: str, *, timeout: float = 5
) -> list[list[int | None]]:
    """Road travel times (seconds; None where OSRM finds no route) from an OSRM server.

    Large sets are asked in blocks of sources × destinations, because OSRM refuses tables of
    more than 100 coordinates by default.
    """
    if urlsplit(osrm_url).scheme not in ("http", "https"):
        raise OsrmError("OSRM_URL must be an http(s) URL")
    n = len(points)
    if n <= OSRM_MAX_COORDINATES:
        return _osrm_request(osrm_url, points, None, None, timeout)
    block = OSRM_MAX_COORDINATES // 2
    result: list[list[int | None]] = [[None] * n for _ in range(n)]
    for i0 in range(0, n, block):
        rows = list(range(i0, min(i0 + block, n)))
        for j0 in range(0, n, block):
            cols = list(range(j0, min(j0 + block, n)))
            coords = [points[i] for i in rows] + [points[j] for j in cols]
            part = _osrm_request(
                osrm_url, coords, range(len(rows)), range(len(rows), len(rows) + len(cols)), timeout
            )
            for a, i in enumerate(rows):
                for b, j in enumerate(cols):
                    result[i][j] = part[a][b]
    return result


def _osrm_request(
    base: str, coords: Sequence[Point], sources, destinations, timeout: float
) -> list[list[int | None]]:
    where = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in coords)
    url = f"{base.rstrip('/')}/table/v1/driving/{where}?annotations=duration"
    if sources is not None:
        url += "&sources=" + ";".join(map(str, sources))
        url += "&destinations=" + ";".join(map(str, destinations))
    try:
        with urlopen(
            Request(url, headers={"Accept": "application/json"}),  # noqa: S310
            timeout=timeout,
        ) as response:
            body = json.loads(response.read(OSRM_MAX_RESPONSE_BYTES + 1) or b"null")
    except (URLError, OSError, ValueError) as exc:
        raise OsrmError(str(exc) or type(exc).__name__) from exc
    rows_wanted = len(sources) if sources is not None else len(coords)
    cols_wanted = len(destinations) if destinations is not None else len(coords)
    if not isinstance(body, dict) or body.get("code") != "Ok":
        code = body.get("code") if isinstance(body, dict) else None
        raise OsrmError(f"answer code {code!r}")
    durations = body.get("durations")
    if (
        not isinstance(durations, list)
        or len(durations) != rows_wanted
        or any(not isinstance(r, list) or len(r) != cols_wanted for r in durations)
    ):
        raise OsrmError("durations missing or of the wrong shape")
    return [[_seconds(v) for v in row] for row in durations]


def _seconds(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OsrmError(f"not a duration: {value!r}")
    if not math.isfinite(value) or value < 0:
        raise OsrmError(f"not a duration: {value!r}")
    return round(value)


def travel_matrix_from_config(
    points: list[tuple[float, float]], config: Mapping[str, Any]
) -> list[list[int]]:
    """``travel_matrix`` with TRAVEL_SPEED_KMH, TRAVEL_CIRCUITY, OSRM_URL and OSRM_TIMEOUT
    taken from the app config."""
    return travel_matrix(
        points,
        speed_kmh=float(config.get("TRAVEL_SPEED_KMH", 40.0)),
        circuity=float(config.get("TRAVEL_CIRCUITY", 1.3)),
        osrm_url=config.get("OSRM_URL") or None,
        timeout=float(config.get("OSRM_TIMEOUT", 5.0)),
    )
