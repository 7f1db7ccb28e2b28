"""How a run is solved, and "re-plan today": insert urgent work, change as little as possible.

Re-planning keeps the visits already started or done out of the problem (each technician's day
continues from where they are), keeps the dispatcher's pinned visits, and first tries with every
other visit held on its technician in its order (new work inserted between them). Only if the
urgent job still does not fit is the day planned again freely; the plan says what moved.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable

from flask_babel import gettext as _

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.routing import Solution
from dispatch.tickets.models import Kind, Priority, Status, Ticket
from dispatch.types import utcnow

from . import problem as builder
from .models import STARTED, PlanRun, Visit, VisitStatus
from .runs import _today, solving, start_run

#: A visit whose start changes by less than this did not "move".
MOVE_THRESHOLD = timedelta(minutes=10)
LIVE = (VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE, VisitStatus.ARRIVED, VisitStatus.DONE)


def _pins(items: Iterable[dict[str, Any]]) -> list[builder.Pin]:
    return [builder.Pin(ticket_id=p["ticket_id"], technician_id=p["technician_id"],
                        day=date.fromisoformat(p["day"]),
                        start=datetime.fromisoformat(p["start"]) if p.get("start") else None)
            for p in items]


def pin_of(visit: Visit) -> dict[str, Any]:
    return {"ticket_id": visit.ticket_id, "technician_id": visit.technician_id,
            "day": visit.day.isoformat(),
            "start": visit.planned_start.isoformat()}


def _message(built: builder.Built, solution: Solution, limit: float, extra: str = "") -> str:
    text = _("Plan ready: %(v)d visits, %(u)d not planned, %(t)d min of driving. The engine "
             "searched for up to %(s)d s (its time limit) and kept the best plan it found.",
             v=solution.served, u=len(solution.unassigned) + len(built.unplannable),
             t=round(solution.travel / 60), s=int(limit))
    return f"{text} {extra}".strip()


def solve_run(run: PlanRun) -> tuple[builder.Built, Solution, str]:
    """Build and solve the run's problem; the built problem, the solution and a message."""
    opts = run.options or {}
    common = dict(now=utcnow(), site_ids=run.site_ids, region=run.region,
                  pins=_pins(opts.get("pins", [])),
                  exclude=list(opts.get("removed", [])) + list(opts.get("exclude", [])))
    if run.kind != "replan":
        built = builder.build(run.first_day, run.days, **common)
        solution = solving(run, built, run.time_limit)
        return built, solution, _message(built, solution, run.time_limit)
    starts = {(int(k.split("|")[0]), date.fromisoformat(k.split("|")[1])):
              ((v[0], v[1]) if v[0] is not None else None, datetime.fromisoformat(v[2]))
              for k, v in opts.get("starts", {}).items()}
    only = list(opts.get("only", []))
    replan = dict(common, only_ids=only, extra_ids=only, starts=starts)
    half = run.time_limit / 2
    built = builder.build(run.first_day, 1, hints=_pins(opts.get("hints", [])), **replan)
    first = solving(run, built, half)
    urgent = set(opts.get("urgent", []))
    if not urgent & {u.id for u in first.unassigned}:
        return built, first, _message(built, first, half, _(
            "The new work fits in without reordering anyone's visits."))
    free = builder.build(run.first_day, 1, **replan)
    second = solving(run, free, half)
    if (second.priority, second.served) > (first.priority, first.served):
        return free, second, _message(free, second, run.time_limit, _(
            "Visits had to be reshuffled to fit the new work in; see what moved."))
    return built, first, _message(built, first, run.time_limit, _(
        "The new work does not fit today even if visits are reshuffled."))


def replan_today(actor: User, urgent_ticket_id: int | None = None,
                 time_limit: int | None = None) -> PlanRun:
    """Queue a re-plan of today around the urgent ticket (or every urgent on-site ticket)."""
    today, now = _today(), utcnow()
    live = list(db.session.scalars(db.select(Visit).where(
        Visit.day == today, Visit.status.in_(LIVE)).order_by(Visit.technician_id, Visit.order)))
    if urgent_ticket_id is not None:
        ticket = db.session.get(Ticket, urgent_ticket_id)
        if ticket is None or ticket.kind != Kind.ONSITE or ticket.status != Status.TO_SCHEDULE:
            raise ValidationError(_("Choose an on-site ticket that is waiting to be scheduled."),
                                  field="ticket")
        urgent = [ticket.id]
    else:
        urgent = list(db.session.scalars(db.select(Ticket.id).where(
            Ticket.kind == Kind.ONSITE, Ticket.status == Status.TO_SCHEDULE,
            Ticket.priority == Priority.URGENT)))
    waiting = [v for v in live if v.status == VisitStatus.PUBLISHED]
    starts: dict[str, list] = {}
    for visit in live:  # ordered: the last started visit of each technician wins
        if visit.status in STARTED:
            point = builder.ticket_point(visit.ticket)
            free_at = max(now, visit.planned_end) if visit.status != VisitStatus.DONE else now
            starts[f"{visit.technician_id}|{today.isoformat()}"] = [
                point[0] if point else None, point[1] if point else None, free_at.isoformat()]
    options = {
        "pins": [pin_of(v) for v in waiting if v.pinned],
        "hints": [pin_of(v) for v in waiting if not v.pinned],  # the time only orders them
        "starts": starts, "only": [v.ticket_id for v in waiting] + urgent, "urgent": urgent,
        "kept": [v.id for v in live if v.status in STARTED],
        "previous": {str(v.ticket_id): {"technician_id": v.technician_id,
                                        "start": v.planned_start.isoformat()} for v in waiting},
    }
    return start_run(actor, today, 1, kind="replan", time_limit=time_limit,
                     urgent_ticket_id=urgent_ticket_id, options=options)


def describe_moves(run: PlanRun) -> list[dict[str, Any]]:
    """What changed against the published day: technician, time, dropped or added."""
    previous = (run.options or {}).get("previous", {})
    names = {u.id: u.name for u in db.session.scalars(db.select(User))}
    new = {v.ticket_id: v for v in run.visits}
    moves = []
    for key, old in previous.items():
        ticket_id, visit = int(key), new.get(int(key))
        old_start = datetime.fromisoformat(old["start"])
        base = {"ticket_id": ticket_id, "number": f"#{ticket_id}",
                "old_technician": names.get(old["technician_id"], ""),
                "old_start": old["start"]}
        if visit is None:
            moves.append({**base, "change": "dropped"})
        elif visit.technician_id != old["technician_id"]:
            moves.append({**base, "change": "technician",
                          "new_start": visit.planned_start.isoformat(),
                          "new_technician": names.get(visit.technician_id, "")})
        elif abs(visit.planned_start - old_start) >= MOVE_THRESHOLD:
            moves.append({**base, "change": "time", "new_start": visit.planned_start.isoformat(),
                          "new_technician": names.get(visit.technician_id, "")})
    for ticket_id, visit in new.items():
        if str(ticket_id) not in previous:
            moves.append({"ticket_id": ticket_id, "number": f"#{ticket_id}", "change": "added",
                          "new_technician": names.get(visit.technician_id, ""),
                          "new_start": visit.planned_start.isoformat()})
    return moves
