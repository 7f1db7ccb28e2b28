"""Every report by name: its title, its columns, how to compute it and what its chart shows.

The page, the CSV and XLSX exports and the API read reports through this one list, so a figure
is named, computed and drawn the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from dispatch.reports import (
    downtime,
    kinds,
    onsite,
    preventive,
    quality,
    service_levels,
    utilisation,
    volume,
)
from dispatch.reports.scope import Scope

COUNT, SHARE, HOURS, MINUTES, KM, TEXT, DAY, TICKET = (
    "count",
    "share",
    "hours",
    "minutes",
    "km",
    "text",
    "day",
    "ticket",  # a ticket's number, linked to the ticket
)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy string: each reader's language
    unit: str


@dataclass(frozen=True)
class Chart:
    """What the chart draws: ``lines`` over the rows' order, or horizontal ``bars``, one group
    per row (labelled by ``label``) with one bar per series key."""

    shape: str
    label: tuple[str, ...]  # the keys that name a bar group or a point, joined
    series: tuple[str, ...]
    axis: Any  # the value axis' title
    merge: str | None = None  # add up rows that share this key's value (weeks of channels)


@dataclass(frozen=True)
class Inputs:
    """What reports need beside the scope: the travel speed that turns time into distance,
    and the moment that ends an open request's downtime."""

    speed_kmh: float
    now: datetime


@dataclass(frozen=True)
class Report:
    name: str
    title: Any
    columns: tuple[Column, ...]
    compute: Callable[[Scope, Inputs], list[dict[str, Any]]]
    chart: Chart | None  # None: a list, which the table says best
    note: Any = field(default="")


def _c(key, label, unit):
    return Column(key, label, unit)


KIND = _c("kind", _l("Kind"), TEXT)
POLICY = _c("policy", _l("Service level"), TEXT)
SITE = _c("site", _l("Site"), TEXT)

REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "volume",
            _l("Requests created and resolved per week"),
            (
                _c("week", _l("Week from"), DAY),
                _c("channel", _l("Channel"), TEXT),
                _c("created", _l("Created"), COUNT),
                _c("resolved", _l("Resolved"), COUNT),
                _c("backlog", _l("Open at the week's end"), COUNT),
            ),
            lambda s, i: volume.weekly(s),
            Chart("lines", ("week",), ("created", "resolved", "backlog"), _l("Requests"), "week"),
        ),
        Report(
            "kinds",
            _l("Remote and on-site"),
            (
                KIND,
                _c("created", _l("Created"), COUNT),
                _c("share", _l("Share"), SHARE),
                _c("resolved", _l("Resolved"), COUNT),
                _c("mean_hours", _l("Mean hours open"), HOURS),
                _c("median_hours", _l("Median hours open"), HOURS),
            ),
            lambda s, i: kinds.remote_onsite(s),
            Chart("bars", ("kind",), ("mean_hours", "median_hours"), _l("Hours open (wall-clock)")),
        ),
        Report(
            "reopens",
            _l("Reopened requests"),
            (
                KIND,
                _c("finished", _l("Finished"), COUNT),
                _c("reopened", _l("Reopened"), COUNT),
                _c("rate", _l("Reopen rate"), SHARE),
            ),
            lambda s, i: quality.reopens(s),
            Chart("bars", ("kind",), ("finished", "reopened"), _l("Requests")),
        ),
        Report(
            "follow_ups",
            _l("Follow-up requests"),
            (
                KIND,
                _c("finished", _l("Finished"), COUNT),
                _c("follow_ups", _l("Follow-ups"), COUNT),
                _c("rate", _l("Follow-ups per finished request"), SHARE),
            ),
            lambda s, i: quality.follow_ups(s),
            Chart("bars", ("kind",), ("finished", "follow_ups"), _l("Requests")),
        ),
        Report(
            "visits",
            _l("On-site visits"),
            (
                SITE,
                _c("visits", _l("Visits"), COUNT),
                _c("on_site_hours", _l("Hours on site"), HOURS),
                _c("mean_on_site_min", _l("Mean minutes on site"), MINUTES),
                _c("work_hours", _l("Hours of work reported"), HOURS),
                _c("travel_hours", _l("Travel hours"), HOURS),
                _c("travel_km", _l("Travel distance (km)"), KM),
            ),
            lambda s, i: onsite.visits(s, speed_kmh=i.speed_kmh),
            Chart("bars", ("site",), ("on_site_hours", "travel_hours"), _l("Hours")),
        ),
        Report(
            "first_time_fix",
            _l("First-time fixes"),
            (
                SITE,
                _c("requests", _l("Requests visited"), COUNT),
                _c("fixed_first_time", _l("Fixed at the first visit"), COUNT),
                _c("rate", _l("First-time fix rate"), SHARE),
            ),
            lambda s, i: onsite.first_time_fix(s),
            Chart("bars", ("site",), ("requests", "fixed_first_time"), _l("Requests")),
        ),
        Report(
            "preventive_on_time",
            _l("Preventive visits done on time"),
            (
                SITE,
                _c("done", _l("Preventive visits done"), COUNT),
                _c("on_time", _l("Done within their window"), COUNT),
                _c("rate", _l("Done on time"), SHARE),
            ),
            lambda s, i: preventive.on_time(s),
            Chart("bars", ("site",), ("done", "on_time"), _l("Visits")),
        ),
        Report(
            "utilisation",
            _l("Technician utilisation"),
            (
                _c("technician", _l("Technician"), TEXT),
                _c("shift_hours", _l("Shift hours"), HOURS),
                _c("work_hours", _l("Hours on site"), HOURS),
                _c("travel_hours", _l("Travel hours"), HOURS),
                _c("work_share", _l("Work"), SHARE),
                _c("travel_share", _l("Travel"), SHARE),
                _c("idle_share", _l("Idle"), SHARE),
            ),
            lambda s, i: utilisation.technicians(s),
            Chart(
                "bars",
                ("technician",),
                ("work_share", "travel_share", "idle_share"),
                _l("Share of the shift"),
            ),
        ),
        Report(
            "downtime",
            _l("Downtime per site and department"),
            (
                SITE,
                _c("department", _l("Department"), TEXT),
                _c("requests", _l("Requests that stop work"), COUNT),
                _c("open_hours", _l("Hours open (wall-clock)"), HOURS),
            ),
            lambda s, i: downtime.by_place(s, now=i.now),
            Chart("bars", ("site", "department"), ("open_hours",), _l("Hours open (wall-clock)")),
        ),
        Report(
            "response_times",
            _l("Response and resolution times (business hours)"),
            (
                POLICY,
                _c("requests", _l("Requests"), COUNT),
                _c("first_response_median_hours", _l("First response, median"), HOURS),
                _c("first_response_p90_hours", _l("First response, 90th percentile"), HOURS),
                _c("resolution_median_hours", _l("Resolution, median"), HOURS),
                _c("resolution_p90_hours", _l("Resolution, 90th percentile"), HOURS),
            ),
            lambda s, i: service_levels.response_times(s),
            Chart(
                "bars",
                ("policy",),
                (
                    "first_response_median_hours",
                    "first_response_p90_hours",
                    "resolution_median_hours",
                    "resolution_p90_hours",
                ),
                _l("Business hours"),
            ),
        ),
        Report(
            "sla_met",
            _l("Service-level targets met"),
            (
                POLICY,
                _c("first_response_decided", _l("First responses due"), COUNT),
                _c("first_response_met", _l("First responses in time"), SHARE),
                _c("resolution_decided", _l("Resolutions due"), COUNT),
                _c("resolution_met", _l("Resolutions in time"), SHARE),
            ),
            lambda s, i: service_levels.met(s, now=i.now),
            Chart("bars", ("policy",), ("first_response_met", "resolution_met"), _l("Share met")),
        ),
        Report(
            "sla_breaches",
            _l("Service-level breaches"),
            (
                _c("ticket", _l("Request"), TICKET),
                _c("subject", _l("Subject"), TEXT),
                POLICY,
                SITE,
                _c("missed", _l("Missed"), TEXT),
            ),
            lambda s, i: service_levels.breaches(s, now=i.now),
            None,
            _l("The most recent %(n)d at most.", n=service_levels.BREACHES_SHOWN),
        ),
    )
}


def compute(name: str, scope: Scope, inputs: Inputs) -> list[dict[str, Any]]:
    """The rows of one report (KeyError for an unknown name: callers check it first)."""
    return REPORTS[name].compute(scope, inputs)
