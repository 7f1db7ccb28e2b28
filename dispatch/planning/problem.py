"""Build the engine's problem from the database, and write it as VROOM JSON.

Times in the problem are seconds since midnight UTC of the first planned day (``epoch``); the
engine's reasons are rewritten in each job's site time by ``local_reason``. One
vehicle per technician per working day; one job per on-site ticket waiting to be scheduled,
whose time windows are its access windows on each planned day. Tickets that cannot be planned
at all (no location, no window left) are listed with the reason instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from dispatch.extensions import db
from dispatch.routing import Break, Deadline, Job, Overtime, PinnedStep, Problem, Vehicle
from dispatch.sites.models import Site
from dispatch.stored_text import Stored, said
from dispatch.stored_text import day as day_of
from dispatch.tickets.models import PREVENTIVE, Kind, Status, Ticket

from . import job_rules, sources

#: Engine priority (0–100) of each ticket priority, before the SLA bonus.
PRIORITY_BASE = {"low": 10, "normal": 30, "high": 60, "urgent": 85}
SLA_DUE_IN_FIRST_DAY, SLA_DUE_IN_RANGE, SLA_DUE_SOON = 15, 10, 5
#: A preventive visit (made by a maintenance plan) ranks below any reported failure (whose
#: lowest is ``low``, 10) until its window is over; then it ranks as its own priority.
PREVENTIVE_PRIORITY = 5
LUNCH_BREAK_ID = 1


@dataclass
class Pin:
    """A visit kept on a technician's day: in this order, at ``start`` when given."""

    ticket_id: int
    technician_id: int
    day: date
    start: datetime | None = None


@dataclass
class Built:
    problem: Problem
    epoch: datetime
    vehicles: dict[int, dict[str, Any]] = field(default_factory=dict)  # vehicle id → who, day
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)  # ticket id → facts
    unplannable: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Stored] = field(default_factory=list)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)  # ticket id → its site's zone
    # ticket id → the technicians it prefers and who named them (``job_rules``): kept with the
    # plan so that the board can say when a preference was not met.
    preferred: dict[int, dict[str, Any]] = field(default_factory=dict)

    def seconds(self, moment: datetime) -> int:
        return max(0, int((moment - self.epoch).total_seconds()))

    def moment(self, seconds: int) -> datetime:
        return self.epoch + timedelta(seconds=seconds)


def deadline(ticket: Ticket) -> datetime | None:
    """When the job must be done by: the dispatcher's due date or the service level's
    resolution due time, whichever comes first."""
    due, resolution = ticket.due_at, ticket.sla_resolution_due  # the board asks per visit
    if due is None or resolution is None:
        return due or resolution
    return min(due, resolution)


def is_preventive(ticket: Ticket) -> bool:
    return ticket.channel == PREVENTIVE


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """A preventive visit whose window is over without it."""
    return (
        is_preventive(ticket)
        and ticket.appointment_end is not None
        and (ticket.appointment_end <= now)
    )


def soft_deadline(ticket: Ticket, built: Built) -> Deadline | None:
    """The job's soft deadline: its :func:`deadline`, past which the engine weighs a breach
    (``PLANNING_LATE_BREACH_COST``) and each minute late (``PLANNING_LATE_COST_PER_MINUTE``),
    in seconds of travel, beside the hard access windows."""
    due = deadline(ticket)
    if due is None:
        return None
    config = current_app.config
    return Deadline(
        time=built.seconds(due),
        per_minute=int(config.get("PLANNING_LATE_COST_PER_MINUTE", 60)),
        breach=int(config.get("PLANNING_LATE_BREACH_COST", 1800)),
    )


def overtime_allowance() -> Overtime | None:
    """How far past the end of a shift the engine may plan, ``PLANNING_OVERTIME_MAX_MINUTES``
    (0, the default: not at all), each minute over costing ``PLANNING_OVERTIME_COST_PER_MINUTE``
    seconds of travel."""
    config = current_app.config
    minutes = int(config.get("PLANNING_OVERTIME_MAX_MINUTES", 0) or 0)
    if minutes <= 0:
        return None
    return Overtime(
        max=minutes * 60, per_minute=int(config.get("PLANNING_OVERTIME_COST_PER_MINUTE", 0) or 0)
    )


def engine_priority(
    ticket: Ticket, first_day_end: datetime, range_end: datetime, now: datetime | None = None
) -> int:
    """Ticket priority mapped to 0–100; a deadline close to the planned days ranks higher. A
    preventive visit ranks below every reported failure unless it is overdue."""
    if is_preventive(ticket) and not (now is not None and is_overdue(ticket, now)):
        return PREVENTIVE_PRIORITY
    value = PRIORITY_BASE.get(ticket.priority, PRIORITY_BASE["normal"])
    due = deadline(ticket)
    if due is not None:
        if due <= first_day_end:
            value += SLA_DUE_IN_FIRST_DAY
        elif due <= range_end:
            value += SLA_DUE_IN_RANGE
        elif due <= range_end + timedelta(days=3):
            value += SLA_DUE_SOON
    return min(100, value)


def ticket_point(ticket: Ticket) -> tuple[float, float] | None:
    """(lat, lon) of the job: the ticket's own point, else its site's. A job at its own
    address that has no point yet has no location (its site is somewhere else)."""
    if ticket.latitude is not None and ticket.longitude is not None:
        return (ticket.latitude, ticket.longitude)
    if ticket.address:
        return None
    if ticket.site is not None and ticket.site.has_location:
        return (ticket.site.latitude, ticket.site.longitude)
    return None


def ticket_zone(ticket: Ticket) -> ZoneInfo:
    if ticket.site is not None:
        return ticket.site.tz
    return ZoneInfo(current_app.config.get("PLANNING_DEFAULT_TIMEZONE", "UTC"))


def duration_min(ticket: Ticket) -> int:
    if ticket.duration_min:
        return ticket.duration_min
    if ticket.category is not None and ticket.category.default_duration_min:
        return ticket.category.default_duration_min
    return int(current_app.config.get("DEFAULT_ONSITE_DURATION_MIN", 60))


def _hours(ticket: Ticket) -> tuple[time, time]:
    site = ticket.site
    opens, closes = (site.opens_at, site.closes_at) if site else (time(8), time(17))
    if ticket.access_from is not None:
        opens = max(opens, ticket.access_from)
    if ticket.access_until is not None:
        closes = min(closes, ticket.access_until)
    return opens, closes


def spans_days(ticket: Ticket) -> tuple[datetime, datetime] | None:
    """A window of days rather than an appointment (a preventive visit's "within ten working
    days"): the visit may come on any of those days, within the site's hours."""
    begin, end = ticket.appointment_start, ticket.appointment_end
    if begin is None or end is None or end - begin <= timedelta(days=1):
        return None
    return begin, end


def removed_reason() -> Stored:
    """Why a job the dispatcher took off the board is not planned."""
    return said("removed from the plan by the dispatcher")


def access_windows(
    ticket: Ticket, days: list[date], now: datetime
) -> tuple[list[tuple[datetime, datetime]], Stored]:
    """The UTC windows in which the visit may *start* on ``days``, or ([], why not)."""
    length = timedelta(minutes=duration_min(ticket))
    start_of = datetime.combine(days[0], time(0), UTC)
    end_of = datetime.combine(days[-1] + timedelta(days=1), time(0), UTC)
    span = spans_days(ticket)
    if span is not None and is_overdue(ticket, now):
        span = None  # overdue: any day will do, the sooner the better
    elif span is not None:
        if span[1] - length < max(now, start_of) or span[0] >= end_of:
            return [], said("its maintenance window is not on the planned days")
    elif ticket.appointment_start is not None:
        begin = ticket.appointment_start
        latest = max(begin, (ticket.appointment_end or begin) - length)
        if latest < max(now, start_of) or begin >= end_of:
            return [], said("its appointment is not on the planned days")
        return [(max(begin, now), latest)], ""
    zone, (opens, closes) = ticket_zone(ticket), _hours(ticket)
    if datetime.combine(days[0], closes) - datetime.combine(days[0], opens) < length:
        return [], said(
            "its access window %(a)s–%(b)s is shorter than the job (%(n)d min)",
            a=opens.strftime("%H:%M"),
            b=closes.strftime("%H:%M"),
            n=duration_min(ticket),
        )
    windows, open_days = [], 0
    for day in days:
        if ticket.site is not None and not ticket.site.is_open_on(day.weekday()):
            continue
        open_days += 1
        begin = datetime.combine(day, opens, zone).astimezone(UTC)
        latest = datetime.combine(day, closes, zone).astimezone(UTC) - length
        begin = max(begin, now)
        if span is not None:  # within the window of days, on the site's hours of each
            begin, latest = max(begin, span[0]), min(latest, span[1] - length)
        if begin <= latest:
            windows.append((begin, latest))
    if not windows:
        return [], (
            said("the site is closed on the planned days")
            if not open_days
            else said("its access windows on the planned days are already over")
        )
    return windows, ""


def open_tickets(
    site_ids: Iterable[int] = (), region: str = "", extra_ids: Iterable[int] = ()
) -> list[Ticket]:
    """On-site tickets waiting to be scheduled, in scope, plus ``extra_ids``."""
    query = db.select(Ticket).where(
        Ticket.kind == Kind.ONSITE,
        Ticket.status == Status.TO_SCHEDULE,
        Ticket.merged_into_id.is_(None),
    )
    site_ids = list(site_ids)
    if site_ids or region:
        sites = db.select(Site.id)
        sites = sites.where(Site.id.in_(site_ids)) if site_ids else sites
        sites = sites.where(Site.city == region) if region else sites
        query = query.where(Ticket.site_id.in_(sites))
    tickets = list(db.session.scalars(query.order_by(Ticket.id)))
    extra = set(extra_ids) - {t.id for t in tickets}
    if extra:
        # Visits kept or re-planned: still on-site work waiting for (or planned for) a visit.
        tickets += db.session.scalars(
            db.select(Ticket)
            .where(
                Ticket.id.in_(extra),
                Ticket.kind == Kind.ONSITE,
                Ticket.status.in_((Status.TO_SCHEDULE, Status.SCHEDULED)),
            )
            .order_by(Ticket.id)
        )
    return tickets


class _Places:
    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []
        self.index: dict[tuple[float, float], int] = {}

    def of(self, point: tuple[float, float]) -> int:
        key = (round(point[0], 6), round(point[1], 6))
        if key not in self.index:
            self.index[key] = len(self.points)
            self.points.append(key)
        return self.index[key]


def build(
    first_day: date,
    days: int,
    *,
    now: datetime,
    site_ids: Iterable[int] = (),
    region: str = "",
    pins: Iterable[Pin] = (),
    hints: Iterable[Pin] = (),
    exclude: Iterable[int] = (),
    only_ids: Iterable[int] | None = None,
    extra_ids: Iterable[int] = (),
    starts: dict[tuple[int, date], tuple[tuple[float, float], datetime]] | None = None,
) -> Built:
    """Build the problem for ``days`` days from ``first_day``.

    ``pins``: the dispatcher's pinned visits (hard); ``hints``: visits kept on their technician
    in their order to change as little as possible; ``exclude``: tickets left out;
    ``only_ids``: plan only these tickets (re-plan today) besides ``extra_ids``; ``starts``:
    per (technician, day) where and from when the day continues (re-plan today).
    """
    day_list = sources.day_range(first_day, days)
    epoch = datetime.combine(first_day, time(0), UTC)
    built = Built(problem=Problem(jobs=[], vehicles=[], durations=[]), epoch=epoch)
    places = _Places()
    starts = starts or {}
    excluded = set(exclude)
    pins, hints = list(pins), list(hints)
    wanted = {p.ticket_id for p in pins + hints} | set(extra_ids)
    tickets = open_tickets(site_ids, region, wanted)
    if only_ids is not None:
        keep = set(only_ids) | wanted
        tickets = [t for t in tickets if t.id in keep]
    first_end = epoch + timedelta(days=1)
    range_end = epoch + timedelta(days=days)

    jobs: list[Job] = []
    for ticket in tickets:
        if ticket.id in excluded:
            continue
        facts = {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "subject": ticket.subject,
            "site": ticket.site.name if ticket.site else "",
            "duration_min": duration_min(ticket),
        }
        point = ticket_point(ticket)
        if point is None:
            built.unplannable.append(
                {
                    **facts,
                    "needs_location": True,
                    "reason": said(
                        "no location: its address could not be located; set its point on the map"
                    )
                    if ticket.address
                    else said(
                        "no location: give its site a location or the ticket a point on the map"
                    ),
                }
            )
            continue
        windows, why = access_windows(ticket, day_list, now)
        if not windows:
            built.unplannable.append({**facts, "reason": why})
            continue
        built.jobs[ticket.id] = {**facts, "lat": point[0], "lon": point[1]}
        built.zones[ticket.id] = ticket_zone(ticket)
        jobs.append(
            Job(
                id=ticket.id,
                location_index=places.of(point),
                service=duration_min(ticket) * 60,
                time_windows=tuple((built.seconds(a), built.seconds(b)) for a, b in windows),
                skills=frozenset(s.id for s in ticket.skills),
                priority=engine_priority(ticket, first_end, range_end, now),
                description=f"{ticket.number} {ticket.subject}"[:120],
                location=(point[1], point[0]),
                deadline=soft_deadline(ticket, built),
            )
        )

    # Pinned visits keep their time; hints only their technician and their place in the order.
    ordered: dict[tuple[int, date], list[tuple[datetime, PinnedStep]]] = {}
    hard = {p.ticket_id for p in pins}
    latest = epoch + timedelta(days=days + 1)
    for pin in pins + [h for h in hints if h.ticket_id not in hard]:
        if pin.ticket_id not in built.jobs:
            continue
        at = built.seconds(pin.start) if pin.start is not None and pin.ticket_id in hard else None
        ordered.setdefault((pin.technician_id, pin.day), []).append(
            (pin.start or latest, PinnedStep(type="job", id=pin.ticket_id, service_at=at))
        )
    steps = {
        key: [step for _, step in sorted(items, key=lambda item: item[0])]
        for key, items in ordered.items()
    }

    vehicles: list[Vehicle] = []
    placed: set[int] = set()
    everyone = {u.id: u for u in sources.technicians()}
    for day in day_list:
        working = set()
        for shift in sources.shifts_for(day, None):
            working.add(shift.technician_id)
            vehicle = _vehicle(
                built,
                places,
                shift,
                day,
                now,
                len(vehicles) + 1,
                starts.get((shift.technician_id, day)),
                steps.get((shift.technician_id, day), ()),
            )
            if vehicle is not None:
                vehicles.append(vehicle)
                placed |= {p.id for p in vehicle.steps}
        for tech_id in sorted(set(everyone) - working):
            built.notes.append(
                said(
                    "%(name)s has no shift on %(day)s: not planned that day.",
                    name=everyone[tech_id].name,
                    day=day.isoformat(),
                )
            )
        if not working:
            built.notes.append(
                said(
                    "Nobody has a shift on %(day)s: no visit can be planned that day.",
                    day=day.isoformat(),
                )
            )
    for (_tech_id, day), pinned in steps.items():
        for step in pinned:
            if step.id not in placed:
                built.notes.append(
                    said(
                        "%(n)s was kept for a technician who does not work on "
                        "%(day)s; it is planned freely.",
                        n=f"#{step.id}",
                        day=day_of(day),
                    )
                )
    matrix = sources.travel_matrix(places.points) if places.points else []
    jobs = job_rules.with_rules(built, tickets, jobs, placed)
    built.problem = Problem(jobs=jobs, vehicles=vehicles, durations=matrix)
    return built


def _vehicle(
    built: Built,
    places: _Places,
    shift,
    day: date,
    now: datetime,
    vid: int,
    start: tuple[tuple[float, float], datetime] | None,
    steps,
) -> Vehicle | None:
    begin, end = max(shift.start_utc, now), shift.end_utc
    home = shift.home
    if start is not None:
        home, begin = start[0] or home, max(begin, start[1])
    if home is None:
        built.notes.append(
            said("%(name)s has no home base or site with a location: not planned.", name=shift.name)
        )
        return None
    if begin >= end:
        built.notes.append(
            said(
                "%(name)s's shift on %(day)s is already over.",
                name=shift.name,
                day=day_of(day),
            )
        )
        return None
    breaks = ()
    if shift.lunch_window_utc and shift.lunch_minutes:
        lunch = shift.lunch_minutes * 60
        a, b = (built.seconds(t) for t in shift.lunch_window_utc)
        if b - lunch >= max(a, built.seconds(begin)):
            breaks = (
                Break(
                    id=LUNCH_BREAK_ID,
                    time_windows=((max(a, built.seconds(begin)), b - lunch),),
                    service=lunch,
                    description="lunch",
                ),
            )
    index = places.of(home)
    built.vehicles[vid] = {
        "technician_id": shift.technician_id,
        "name": shift.name,
        "day": day.isoformat(),
        "timezone": shift.timezone,
        "home": [home[0], home[1]],
    }
    return Vehicle(
        id=vid,
        start_index=index,
        end_index=index,
        time_window=(built.seconds(begin), built.seconds(end)),
        skills=frozenset(shift.skill_ids),
        breaks=breaks,
        steps=tuple(steps),
        description=f"{shift.name} {day.isoformat()}",
        start=(home[1], home[0]),
        end=(home[1], home[0]),
        overtime=overtime_allowance(),
    )
