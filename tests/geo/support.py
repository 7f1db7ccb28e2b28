"""Local stand-ins for the geocoding and routing services, spoken to over real HTTP.

``StubServer`` runs http.server in a thread on a free 127.0.0.1 port. ``nominatim_answer``
answers /search like Nominatim does (a JSON list of places, the jsonv2 field set), ``photon``
answers /api with GeoJSON, and ``osrm_answer`` answers /table/v1/driving/… like OSRM.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# Known places: lower-case fragment of the query → (lat, lon, display name).
PLACES = {
    "memorandumului 28": (
        46.769468,
        23.586054,
        "28, Strada Memorandumului, Centru, Cluj-Napoca, 400114, România",
    ),
    "unirii 15": (44.426767, 26.102538, "15, Bulevardul Unirii, Sector 4, București, România"),
    "republicii 40": (45.643024, 25.589130, "40, Strada Republicii, Brașov, România"),
    # Only the right letters match: a query whose diacritics were lost or mis-encoded on the
    # way ("stefan", "È˜tefan") finds nothing, as a real geocoder would find something else.
    "ștefan cel mare nr. 12 brașov": (
        45.645372,
        25.591853,
        "12, Strada Ștefan cel Mare, Centrul Istoric, Brașov, 500035, România",
    ),
    "iuliu maniu 7 bucurești": (
        44.434590,
        26.050750,
        "7, Bulevardul Iuliu Maniu, Cotroceni, Sector 6, București, 061072, România",
    ),
}


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float
    raw_query: str = ""  # as it came over the wire, still percent-encoded


@dataclass
class StubServer:
    answer: Callable[[Seen], tuple[int, object]]
    requests: list[Seen] = field(default_factory=list)
    delay: float = 0.0

    def __enter__(self) -> StubServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                seen = Seen(
                    unquote(parts.path),
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    time.monotonic(),
                    parts.query,
                )
                stub.requests.append(seen)
                if stub.delay:
                    time.sleep(stub.delay)
                status, body = stub.answer(seen)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"


def _match(q: str):
    q = " ".join(q.lower().replace(",", " ").split())
    for fragment, place in PLACES.items():
        if fragment in q:
            return place
    return None


def nominatim_answer(seen: Seen) -> tuple[int, object]:
    if seen.path != "/search":
        return 404, {"error": "not found"}
    place = _match(seen.query.get("q", [""])[0])
    if place is None:
        return 200, []
    lat, lon, name = place
    return 200, [
        {
            "place_id": 1234,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "osm_type": "node",
            "osm_id": 5678,
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "category": "place",
            "type": "house",
            "place_rank": 30,
            "importance": 0.1,
            "addresstype": "place",
            "name": "",
            "display_name": name,
            "boundingbox": [
                str(lat - 0.0001),
                str(lat + 0.0001),
                str(lon - 0.0001),
                str(lon + 0.0001),
            ],
        }
    ]


def photon_answer(seen: Seen) -> tuple[int, object]:
    if seen.path != "/api":
        return 404, {"message": "not found"}
    place = _match(seen.query.get("q", [""])[0])
    features = []
    if place is not None:
        lat, lon, name = place
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": name.split(",")[1].strip(),
                    "city": "Cluj-Napoca",
                    "country": "România",
                    "osm_id": 1,
                    "osm_type": "N",
                },
            }
        )
    return 200, {"type": "FeatureCollection", "features": features}


def road_seconds(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The stub's "road network": a deterministic function of the two (lon, lat) pairs."""
    return abs(a[0] - b[0]) * 5000 + abs(a[1] - b[1]) * 7000 + (0 if a == b else 60.4)


def osrm_answer(seen: Seen) -> tuple[int, object]:
    prefix = "/table/v1/driving/"
    if not seen.path.startswith(prefix):
        return 400, {"code": "InvalidUrl"}
    coords = [
        tuple(float(x) for x in pair.split(",")) for pair in seen.path[len(prefix) :].split(";")
    ]
    sources = (
        [int(i) for i in seen.query["sources"][0].split(";")]
        if "sources" in seen.query
        else list(range(len(coords)))
    )
    destinations = (
        [int(i) for i in seen.query["destinations"][0].split(";")]
        if "destinations" in seen.query
        else list(range(len(coords)))
    )
    if len(coords) > 100:
        return 400, {"code": "TooBig", "message": "Too many table coordinates"}
    return 200, {
        "code": "Ok",
        "durations": [[road_seconds(coords[i], coords[j]) for j in destinations] for i in sources],
    }
