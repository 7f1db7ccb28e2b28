"""What the board shows: per technician-day timeline rows, the map's data, and the jobs not
planned (with a link to fix a missing location).

Every technician who works on a day of the plan gets a row, even without visits, so that a
visit can be dragged onto them. Rows are drawn in the technician's time zone on a common hour
scale (``Timeline``); a dragged visit's new start is sent in that zone and converted to the
site's time by the view before ``services.move_visit`` checks it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import format_date
from markupsafe import Markup, escape

from dispatch.extensions import db
from dispatch.people.models import Skill
from dispatch.tickets.models import Ticket

from . import board_marks, engine_reasons, sources
from . import problem as builder
from .models import PlanRun, RunStatus, Visit
from .services import visits_of

#: One colour per technician (cycled): a palette whose neighbours differ in hue and lightness,
#: readable on the light map tiles and on the timeline, with a text colour that contrasts.
COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#393b79",
    "#bcbd22",
    "#637939",
    "#b15928",
)
#: The timeline spans at least these local hours (widened to the shifts and visits shown).
FIRST_HOUR, LAST_HOUR = 8, 17
#: Drag-and-drop snaps starts to this many minutes.
SNAP_MINUTES = 15


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _minutes(moment: datetime, zone: ZoneInfo, day: date) -> int:
    """Minutes since local midnight of ``day`` (may exceed 1440 or go negative)."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def text_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb)."""
    r, g, b = (int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5))
    lum = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2]
    return "#000" if luminance > 0.22 else "#fff"


def colours_for(run: PlanRun, extra_ids=()) -> dict[int, str]:
    ids = sorted(
        {r["technician_id"] for r in (run.result or {}).get("routes", [])}
        | {v.technician_id for v in run.visits}
        | set(extra_ids)
    )
    return {tid: COLOURS[k % len(COLOURS)] for k, tid in enumerate(ids)}


@dataclass
class Timeline:
    """The board's rows on a common hour scale ``first_hour``–``last_hour`` (local)."""

    first_hour: int = FIRST_HOUR
    last_hour: int = LAST_HOUR
    rows: list[dict[str, Any]] = field(default_factory=list)
    editable: bool = False
    snap: int = SNAP_MINUTES
    colours: dict[int, str] = field(default_factory=dict)
    late: int = 0  # visits that end after their ticket's due time
    unmet: int = 0  # visits not given to the technician their ticket preferred

    @property
    def ticks(self) -> list[dict[str, Any]]:
        span = self.last_hour - self.first_hour
        return [
            {"label": f"{h:02d}", "left": round((h - self.first_hour) / span * 100, 3)}
            for h in range(self.first_hour, self.last_hour + 1)
        ]

    @property
    def days(self) -> list[str]:
        return sorted({row["day"] for row in self.rows})

    @property
    def legend(self) -> list[dict[str, Any]]:
        """Each technician shown, by name, with their colour."""
        names = {row["technician_id"]: row["name"] for row in self.rows}
        return [
            {"technician_id": tid, "name": name, "colour": self.colours.get(tid, "#333")}
            for tid, name in sorted(names.items(), key=lambda item: (item[1], item[0]))
        ]

    def pct(self, minutes: float) -> float:
        span = (self.last_hour - self.first_hour) * 60
        return round(min(max((minutes - self.first_hour * 60) / span * 100, 0.0), 100.0), 3)


def _shifts(run: PlanRun) -> dict[tuple[int, str], Any]:
    out = {}
    for day in sources.day_range(run.first_day, run.days):
        for shift in sources.shifts_for(day, None):
            out[(shift.technician_id, day.isoformat())] = shift
    return out


def board_visits(run: PlanRun) -> list[Visit]:
    """The visits the board shows (the run's, and the started ones a re-plan kept): loaded
    once per page, for the timeline and the map."""
    return visits_of(run, (run.options or {}).get("kept", []))


def timeline(run: PlanRun, visits: list[Visit] | None = None) -> Timeline:
    """One row per technician-day with a shift, visits or a route, in name and day order."""
    shifts = _shifts(run)
    colours = colours_for(run, {tid for tid, _ in shifts})
    routes = {(r["technician_id"], r["day"]): r for r in (run.result or {}).get("routes", [])}
    grouped: dict[tuple[int, str], list[Visit]] = defaultdict(list)
    shown = board_visits(run) if visits is None else visits
    for visit in shown:
        grouped[(visit.technician_id, visit.day.isoformat())].append(visit)
    raw, low, high = [], FIRST_HOUR * 60, LAST_HOUR * 60
    for key in set(routes) | set(grouped) | set(shifts):
        route, visits, shift = routes.get(key, {}), grouped.get(key, []), shifts.get(key)
        zone = ZoneInfo(route.get("timezone") or (shift.timezone if shift else None) or "UTC")
        name = (
            route.get("name")
            or (shift.name if shift else "")
            or (visits[0].technician.name if visits else "")
        )
        day = date.fromisoformat(key[1])
        row = {
            "technician_id": key[0],
            "name": name,
            "day": key[1],
            "colour": colours.get(key[0], "#333"),
            "timezone": zone.key,
            "travel_min": round(route.get("travel_seconds", 0) / 60),
            "working": bool(shift),
            "shift": None,
            "breaks": [],
            "visits": [],
        }
        if shift is not None:
            row["shift"] = (
                _minutes(shift.start_utc, zone, day),
                _minutes(shift.end_utc, zone, day),
            )
            low, high = min(low, row["shift"][0]), max(high, row["shift"][1])
        for step in route.get("breaks", []):
            begin = _minutes(datetime.fromisoformat(step["start"]), zone, day)
            row["breaks"].append((begin, begin + step.get("minutes", 0)))
        for v in visits:
            site_zone = ZoneInfo(_tz(v))
            a, b = _minutes(v.planned_start, zone, day), _minutes(v.planned_end, zone, day)
            low, high = min(low, a), max(high, b)
            row["visits"].append(
                {
                    "visit": v,
                    "from": a,
                    "to": b,
                    "start": _local(v.planned_start, site_zone),
                    "end": _local(v.planned_end, site_zone),
                }
            )
        raw.append(row)
    marks = board_marks.of_visits(
        shown,
        (run.result or {}).get("preferred", {}),
        set(shifts),
        {row["technician_id"]: row["name"] for row in raw},
    )
    line = Timeline(
        first_hour=max(0, low // 60),
        last_hour=min(24, math.ceil(high / 60)),
        editable=run.status == RunStatus.DONE,
        colours=colours,
        late=sum(1 for m in marks.values() if m.late),
        unmet=sum(1 for m in marks.values() if m.preferred),
    )
    for row in sorted(raw, key=lambda r: (r["day"], r["name"], r["technician_id"])):
        row["text"] = text_colour(row["colour"])
        if row["shift"]:
            a, b = (line.pct(m) for m in row["shift"])
            row["shift_bar"] = {"left": a, "width": round(b - a, 3)}
        row["break_bars"] = [
            {"left": line.pct(a), "width": round(line.pct(b) - line.pct(a), 3)}
            for a, b in row["breaks"]
        ]
        for item in row["visits"]:
            a, b = line.pct(item["from"]), line.pct(item["to"])
            item["bar"] = {"left": min(a, 99.0), "width": round(max(0.8, b - a), 3)}
            item["marks"] = marks.get(item["visit"].id)
        # The part of the day its visits run past the shift's end (overtime), if any.
        end = max((item["to"] for item in row["visits"]), default=None)
        if row["shift"] and end is not None and end > row["shift"][1]:
            a, b = line.pct(row["shift"][1]), line.pct(end)
            row["overtime_bar"] = {"left": a, "width": round(b - a, 3)}
        line.rows.append(row)
    return line


def technician_options(choices: list[tuple[int, str]], chosen: int | None = None) -> Markup:
    """The move form's <option>s of every technician, ``chosen`` selected: the board draws them
    once, in the template its script fills in for each visit (200 visits × 40 technicians,
    drawn per visit, were most of the page's time and a third of its size)."""
    return Markup(
        "".join(
            f'<option value="{tid}"{" selected" if tid == chosen else ""}>{escape(name)}</option>'
            for tid, name in choices
        )
    )


def site_start(visit: Visit) -> str:
    """The visit's start on its site's clock (HH:MM), as the move form takes it."""
    return _local(visit.planned_start, ZoneInfo(_tz(visit)))


def rows(run: PlanRun) -> list[dict[str, Any]]:
    """The timeline's rows (kept for callers that only list visits)."""
    return timeline(run).rows


def _tz(visit: Visit) -> str:
    return builder.ticket_zone(visit.ticket).key


def fix_location_url(ticket: Ticket) -> str | None:
    """Where a job's wrong or missing point is corrected: its site's location page (drag the
    marker), or the ticket page for a job at its own address."""
    if ticket.latitude is not None or ticket.address:
        return url_for("desk.job_point", ticket_id=ticket.id)  # drag or click its own marker
    if ticket.site is not None:
        return url_for("sites.location", site_id=ticket.site.id)
    return None


def unplanned(run: PlanRun) -> list[dict[str, Any]]:
    """The jobs not planned with the reason; those without a location link to where to fix it."""
    out = []
    entries = list((run.result or {}).get("unassigned", []))
    tickets = {
        t.id: t
        for t in db.session.scalars(
            db.select(Ticket).where(
                Ticket.id.in_([u.get("ticket_id") for u in entries if u.get("ticket_id")])
            )
        )
    }
    # The engine names skills by id: the reasons show their names.
    skill_names = (
        {i: n for i, n in db.session.execute(db.select(Skill.id, Skill.name))} if entries else {}
    )
    for entry in entries:
        ticket = tickets.get(entry.get("ticket_id"))
        reason = engine_reasons.say(entry.get("reason", ""), skill_names)
        item = dict(entry, reason=reason)
        if ticket is not None and builder.ticket_point(ticket) is None:
            item["fix_url"] = fix_location_url(ticket)
            item["site"] = ticket.site.name if ticket.site and not ticket.address else None
            item["address"] = ticket.address or None  # a job at its own address, not located
        out.append(item)
    return out


def sites_needing_location(run: PlanRun) -> list[dict[str, Any]]:
    """Sites whose jobs this plan could not place because the site has no point."""
    seen: dict[int, dict[str, Any]] = {}
    for item in unplanned(run):
        if item.get("site") and item.get("fix_url"):
            ticket = db.session.get(Ticket, item["ticket_id"])
            entry = seen.setdefault(
                ticket.site.id, {"name": ticket.site.name, "url": item["fix_url"], "jobs": 0}
            )
            entry["jobs"] += 1
    jobs = [
        {
            "name": f"{item['number']} {item.get('address', '')}".strip(),
            "url": item["fix_url"],
            "jobs": 1,
        }
        for item in unplanned(run)
        if item.get("address") and item.get("fix_url")
    ]
    return sorted(seen.values(), key=lambda s: s["name"]) + jobs


def map_data(
    run: PlanRun, colours: dict[int, str] | None = None, visits: list[Visit] | None = None
) -> dict[str, Any]:
    """JSON for the board's script: routes (home → stops → home) and each stop's state."""
    if colours is None:
        colours = colours_for(run, {tid for tid, _ in _shifts(run)})
    routes = {(r["technician_id"], r["day"]): r for r in (run.result or {}).get("routes", [])}
    lines: dict[tuple[int, str], dict[str, Any]] = {}
    stops = []
    for visit in board_visits(run) if visits is None else visits:
        point = builder.ticket_point(visit.ticket)
        key = (visit.technician_id, visit.day.isoformat())
        home = routes.get(key, {}).get("home")
        line = lines.setdefault(
            key,
            {
                "colour": colours.get(visit.technician_id, "#333"),
                "technician_id": visit.technician_id,
                "name": visit.technician.name,
                "day": key[1],
                "day_label": format_date(visit.day, "medium"),  # the script shows it as is
                "points": [home] if home else [],
            },
        )
        if point is not None:
            line["points"].append([point[0], point[1]])
            stops.append(
                {
                    "id": visit.id,
                    "lat": point[0],
                    "lon": point[1],
                    "day": key[1],
                    "label": f"{visit.order}. {visit.ticket.number} {visit.ticket.subject}",
                    "technician": visit.technician.name,
                    "status": visit.status,
                    "technician_id": visit.technician_id,
                    "pinned": visit.pinned,
                    "start": site_start(visit),
                    "colour": line["colour"],
                    "fix_url": fix_location_url(visit.ticket),
                }
            )
    for key, line in lines.items():
        home = routes.get(key, {}).get("home")
        if home:
            line["points"].append(home)
    return {
        "lines": list(lines.values()),
        "stops": stops,
        "status_url": url_for("planning.status", run_id=run.id),
    }
