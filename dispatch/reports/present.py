"""A report's rows as the reader sees them: cells in their language and format, and the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from dispatch import labels
from dispatch.reports import charts, service_levels
from dispatch.reports.catalog import DAY, SHARE, TEXT, TICKET, Report
from dispatch.reports.kinds import UNDECIDED

CHANNEL = {
    "web": _l("Web form"),
    "email": _l("Mail"),
    "api": _l("API"),
    "plan": _l("Maintenance plan"),
}
EMPTY = {"site": _l("No site"), "department": _l("No department"), "technician": _l("Unknown")}
MISSED = {
    service_levels.FIRST_RESPONSE: _l("First response"),
    service_levels.RESOLUTION: _l("Resolution"),
    service_levels.BOTH: _l("First response and resolution"),
}


def word(key: str, value: Any) -> str:
    """A text cell in the reader's language (kinds and channels named, empty places said)."""
    if key == "kind":
        return str(labels.KIND.get(None if value == UNDECIDED else value, value))
    if key == "channel":
        return str(CHANNEL.get(value, value))
    if key == "missed":
        return str(MISSED.get(value, value))
    return str(value) if value else str(EMPTY.get(key, ""))


def cell(key: str, unit: str, value: Any) -> str:
    if value is None:
        return "–"
    if unit == TEXT:
        return word(key, value)
    if unit == DAY:
        return format_date(date.fromisoformat(value), "medium")
    if unit == TICKET:
        return f"#{value}"
    if unit == SHARE:
        return format_percent(value, "#,##0.#%")
    return format_decimal(value, "#,##0.##")


@dataclass
class Shown:
    report: Report
    header: list[str]
    numeric: list[bool]  # which columns hold numbers (aligned right)
    rows: list[list[str]]
    chart: Markup | None
    links: list[list[str | None]]  # per cell: where it leads (a ticket's number), or None


def _merged(report: Report, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that share the chart's ``merge`` key added up (a week's channels, for its line)."""
    if report.chart.merge is None:
        return list(rows)
    merged: dict[Any, dict[str, Any]] = {}
    for row in rows:
        into = merged.setdefault(
            row[report.chart.merge], {report.chart.merge: row[report.chart.merge]}
        )
        for key in report.chart.series:
            into[key] = into.get(key, 0) + (row[key] or 0)
    return list(merged.values())


def _short(key: str, unit: str, value: Any) -> str:
    """A label under a chart: days without their year (the period says it)."""
    if unit == DAY and value:
        return format_date(date.fromisoformat(value), "d MMM")
    return cell(key, unit, value)


def chart(report: Report, rows: Sequence[dict[str, Any]]) -> Markup | None:
    spec = report.chart
    if spec is None:
        return None
    points = _merged(report, rows)
    if not points:
        return None
    columns = {c.key: c for c in report.columns}
    unit = columns[spec.series[0]].unit
    series = [(str(columns[k].label), [p.get(k) for p in points]) for k in spec.series]

    def fmt(value: float) -> str:
        return cell("", unit, value)

    names = [" · ".join(_short(k, columns[k].unit, p.get(k)) for k in spec.label) for p in points]
    title = str(report.title)
    if spec.shape == "lines":
        x_axis = str(columns[spec.label[0]].label)
        return charts.lines(title, str(spec.axis), x_axis, names, series, fmt)
    return charts.bars(title, str(spec.axis), names, series, fmt)


def shown(report: Report, rows: Sequence[dict[str, Any]]) -> Shown:
    return Shown(
        report,
        [str(c.label) for c in report.columns],
        [c.unit not in (TEXT, DAY, TICKET) for c in report.columns],
        [[cell(c.key, c.unit, row.get(c.key)) for c in report.columns] for row in rows],
        chart(report, rows),
        [[_link(c.unit, row.get(c.key)) for c in report.columns] for row in rows],
    )


def _link(unit: str, value: Any) -> str | None:
    return url_for("tickets.detail", id=value) if unit == TICKET and value else None
