"""What the board shows: per technician-day rows with timeline bars, and the map's data."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for

from . import problem as builder
from .models import PlanRun, Visit
from .services import visits_of

#: One colour per technician (cycled), readable on the map and the timeline.
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939")
#: The timeline spans these local hours.
FIRST_HOUR, LAST_HOUR = 6, 21


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _bar(visit: Visit, zone: ZoneInfo) -> dict[str, float]:
    day0 = datetime.combine(visit.day, time(FIRST_HOUR), zone)
    span = (LAST_HOUR - FIRST_HOUR) * 3600
    left = (visit.planned_start - day0).total_seconds() / span * 100
    width = (visit.planned_end - visit.planned_start).total_seconds() / span * 100
    left = min(max(left, 0.0), 99.0)
    return {"left": round(left, 2), "width": round(max(0.8, min(width, 100 - left)), 2)}


def colours_for(run: PlanRun) -> dict[int, str]:
    ids = sorted({r["technician_id"] for r in (run.result or {}).get("routes", [])}
                 | {v.technician_id for v in run.visits})
    return {tid: COLOURS[k % len(COLOURS)] for k, tid in enumerate(ids)}


def rows(run: PlanRun) -> list[dict[str, Any]]:
    """One row per technician-day that has visits or a route, in name and day order."""
    colours = colours_for(run)
    routes = {(r["technician_id"], r["day"]): r for r in (run.result or {}).get("routes", [])}
    grouped: dict[tuple[int, str], list[Visit]] = defaultdict(list)
    for visit in visits_of(run, (run.options or {}).get("kept", [])):
        grouped[(visit.technician_id, visit.day.isoformat())].append(visit)
    out = []
    for key in sorted(set(routes) | set(grouped),
                      key=lambda k: (routes.get(k, {}).get("name", ""), k[1], k[0])):
        route, visits = routes.get(key, {}), grouped.get(key, [])
        zone = ZoneInfo(route.get("timezone") or "UTC")
        name = route.get("name") or (visits[0].technician.name if visits else "")
        if not visits and not route.get("breaks"):
            continue
        out.append({
            "technician_id": key[0], "name": name, "day": key[1], "colour": colours.get(key[0]),
            "travel_min": round(route.get("travel_seconds", 0) / 60), "timezone": zone.key,
            "visits": [{"visit": v, "bar": _bar(v, zone),
                        "start": _local(v.planned_start, ZoneInfo(_tz(v))),
                        "end": _local(v.planned_end, ZoneInfo(_tz(v)))} for v in visits],
        })
    return out


def _tz(visit: Visit) -> str:
    return builder.ticket_zone(visit.ticket).key


def map_data(run: PlanRun) -> dict[str, Any]:
    """JSON for the board's script: routes (home → stops → home) and each stop's state."""
    colours = colours_for(run)
    routes = {(r["technician_id"], r["day"]): r for r in (run.result or {}).get("routes", [])}
    lines: dict[tuple[int, str], dict[str, Any]] = {}
    stops = []
    for visit in visits_of(run, (run.options or {}).get("kept", [])):
        point = builder.ticket_point(visit.ticket)
        key = (visit.technician_id, visit.day.isoformat())
        home = routes.get(key, {}).get("home")
        line = lines.setdefault(key, {"colour": colours.get(visit.technician_id, "#333"),
                                      "name": visit.technician.name, "day": key[1],
                                      "points": [home] if home else []})
        if point is not None:
            line["points"].append([point[0], point[1]])
            stops.append({"id": visit.id, "lat": point[0], "lon": point[1],
                          "label": f"{visit.order}. {visit.ticket.number} {visit.ticket.subject}",
                          "technician": visit.technician.name, "status": visit.status,
                          "start": _local(visit.planned_start, ZoneInfo(_tz(visit))),
                          "colour": line["colour"]})
    for key, line in lines.items():
        home = routes.get(key, {}).get("home")
        if home:
            line["points"].append(home)
    return {"lines": list(lines.values()), "stops": stops,
            "status_url": url_for("planning.status", run_id=run.id)}


