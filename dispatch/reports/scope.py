"""What a report covers (a period and filters) and the SQL pieces every report shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Float, Integer, and_, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from dispatch.errors import ValidationError
from dispatch.tickets.models import CHANNELS, Kind, Ticket

WEEK_SECONDS = 7 * 24 * 3600
#: A year and a bit: a longer period would make charts no one can read.
MAX_DAYS = 400
DEFAULT_WEEKS = 12


def period_bounds(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The first and last day (included) of a period given by either, both or none: by
    default it ends on the Sunday of this week and lasts twelve weeks."""
    end = end or today + timedelta(days=6 - today.weekday())
    return start or end - timedelta(weeks=DEFAULT_WEEKS, days=-1), end


def whole_days(first: date, last: date, zone: ZoneInfo, **filters: Any) -> Scope:
    """The scope of whole days ``first`` to ``last`` (included) in ``zone``."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    return Scope(midnight(first), midnight(last + timedelta(days=1)), **filters)


@dataclass(frozen=True)
class Scope:
    """A period [start, end) of UTC instants and the tickets' filters (None: all)."""

    start: datetime
    end: datetime
    site_id: int | None = None
    department_id: int | None = None
    category_id: int | None = None
    kind: str | None = None
    channel: str | None = None
    #: The sites a reader may see (a site manager's), whatever the filters: None for all.
    site_ids: frozenset[int] | None = None

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a report's period is made of aware datetimes")
        if self.end <= self.start:
            raise ValidationError(_("The period must end after it starts."), field="end")
        if self.end - self.start > timedelta(days=MAX_DAYS):
            raise ValidationError(_("At most %(n)d days at a time.", n=MAX_DAYS), field="end")
        if self.kind is not None and self.kind not in set(Kind):
            raise ValidationError(_("Unknown kind."), field="kind")
        if self.channel is not None and self.channel not in CHANNELS:
            raise ValidationError(_("Unknown channel."), field="channel")

    @property
    def week_count(self) -> int:
        """Weeks of 7×24 hours from the start; the last one may be cut by the end."""
        return -(-int((self.end - self.start).total_seconds()) // WEEK_SECONDS)

    def week_starts(self) -> list[datetime]:
        return [self.start + timedelta(weeks=i) for i in range(self.week_count)]

    def ticket_filters(self) -> list[ColumnElement[bool]]:
        """The filters as conditions on Ticket (the period is each report's own business)."""
        wanted: list[tuple[Any, Any]] = [
            (Ticket.site_id, self.site_id),
            (Ticket.department_id, self.department_id),
            (Ticket.category_id, self.category_id),
            (Ticket.kind, self.kind),
            (Ticket.channel, self.channel),
        ]
        conditions = [column == value for column, value in wanted if value is not None]
        if self.site_ids is not None:
            conditions.append(Ticket.site_id.in_(sorted(self.site_ids)))
        return conditions

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.astimezone(UTC).isoformat(),
            "end": self.end.astimezone(UTC).isoformat(),
            "site": self.site_id,
            "department": self.department_id,
            "category": self.category_id,
            "kind": self.kind,
            "channel": self.channel,
            "sites": None if self.site_ids is None else sorted(self.site_ids),
        }


def _portable(name: str, type_, doc: str, **templates: str):
    """A one-argument SQL function written for each database (``templates`` by dialect name,
    ``{}`` standing for the argument)."""
    function = type(
        name, (FunctionElement,), {"type": type_, "inherit_cache": True, "__doc__": doc}
    )
    for dialect, template in templates.items():

        @compiles(function, dialect)
        def _compile(element, compiler, _template=template, **kw):
            (arg,) = element.clauses
            return _template.format(compiler.process(arg, **kw))

    return function


epoch = _portable(
    "epoch",
    Float(),
    "Seconds since 1970 of a stored UTC time, on SQLite (text) and PostgreSQL (timestamptz).",
    sqlite="((julianday({}) - 2440587.5) * 86400.0)",
    postgresql="CAST(EXTRACT(EPOCH FROM {}) AS DOUBLE PRECISION)",
)

# SQLite's CAST truncates, PostgreSQL's rounds; SQLite has FLOOR only when built with its math
# functions.
whole_part = _portable(
    "whole_part",
    Integer(),
    "The whole part of a number that is not negative.",
    sqlite="CAST({} AS INTEGER)",
    postgresql="CAST(FLOOR({}) AS INTEGER)",
)


def seconds_between(start, end) -> ColumnElement[float]:
    return epoch(end) - epoch(start)


def week_of(column, scope: Scope) -> ColumnElement[int]:
    """The index of the report's week that a time falls in (the time is in the period)."""
    return whole_part((epoch(column) - scope.start.timestamp()) / WEEK_SECONDS)


def in_period(column, scope: Scope) -> ColumnElement[bool]:
    return and_(column >= scope.start, column < scope.end)


def smaller(a, b) -> ColumnElement:
    """The smaller of two values (SQLite has no LEAST, PostgreSQL no two-argument MIN)."""
    return case((a < b, a), else_=b)


def larger(a, b) -> ColumnElement:
    return case((a > b, a), else_=b)


def done_at():
    """When a ticket was finished: resolved, or closed without being resolved first."""
    return func.coalesce(Ticket.resolved_at, Ticket.closed_at)


def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide (no data is not 0 %)."""
    return round(part / whole, 4) if whole else None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)
