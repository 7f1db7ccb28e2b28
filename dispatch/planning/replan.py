"""How a run is solved, and "re-plan today": insert urgent work, change as little as possible.

Re-planning keeps the visits already started or done out of the problem (each technician's day
continues from where they are) and keeps the dispatcher's pinned visits. Every other waiting
visit is first held on its technician in its order, the new work inserted between them; when
that is not enough, technicians are freed step by step, the whole day only as a last resort
(:mod:`.staged`). The plan kept serves the urgent work with the fewest visits moved, and says
what moved.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import ngettext

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.routing import Solution
from dispatch.tickets.models import Kind, Priority, Status, Ticket
from dispatch.types import utcnow

from . import problem as builder
from . import staged
from .models import STARTED, PlanRun, Visit, VisitStatus
from .runs import _today, solving, start_run

#: A visit whose start changes by less than this did not "move".
MOVE_THRESHOLD = staged.MOVE_THRESHOLD
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
    built = builder.build(run.first_day, 1, hints=_pins(opts.get("hints", [])), only_ids=only,
                          extra_ids=only, starts=starts, **common)
    urgent = set(opts.get("urgent", []))
    names = {who["technician_id"]: who["name"] for who in built.vehicles.values()}
    steps = {"n": 0}

    def solve(variant: builder.Built, seconds: float, freed) -> Solution:
        steps["n"] += 1
        return solving(run, variant, seconds, label=_step_label(freed, names, steps["n"]),
                       restart_clock=steps["n"] == 1)

    chosen, tried = staged.search(built, hard={p["ticket_id"] for p in opts.get("pins", [])},
                                  urgent=urgent, previous=opts.get("previous", {}),
                                  limit=run.time_limit, solve=solve)
    run.problem = builder.problem_json(chosen.built.problem)
    run.options = {**opts, "tried": [_tried(a, names, a is chosen) for a in tried]}
    return chosen.built, chosen.solution, _message(
        chosen.built, chosen.solution, run.time_limit,
        _outcome(built, chosen, tried, urgent, names))


def _who(freed, names: dict[int, str]) -> str:
    if freed is staged.ALL:
        return _("the whole day")
    if freed == staged.FROZEN:
        return _("every visit kept at its time")
    if not freed:
        return _("every visit kept in its order")
    return ", ".join(sorted(names.get(t, f"#{t}") for t in freed))


def _step_label(freed, names: dict[int, str], n: int) -> str:
    if freed is staged.ALL:
        return _("step %(n)d: re-planning the whole day", n=n)
    if freed == staged.FROZEN:
        return _("step %(n)d: looking for a gap between the visits as they are", n=n)
    if not freed:
        return _("step %(n)d: inserting the new work, every visit kept in its order", n=n)
    return _("step %(n)d: re-planning only %(who)s", n=n, who=_who(freed, names))


def _tried(attempt: staged.Attempt, names: dict[int, str], chosen: bool) -> dict[str, Any]:
    who = _who(attempt.freed, names)
    if attempt.settled:
        who = _("%(who)s, then the other visits put back in place", who=who)
    return {"freed": who, "urgent_planned": attempt.urgent_served, "settled": attempt.settled,
            "moved": attempt.moved, "planned": attempt.solution.served, "chosen": chosen}


def _outcome(built: builder.Built, chosen: staged.Attempt,
             tried: list[staged.Attempt], urgent: set[int], names: dict[int, str]) -> str:
    """What the dispatcher needs to know: did the urgent work fit, at what cost."""
    parts = []
    cannot = [u for u in built.unplannable if u["ticket_id"] in urgent]
    for item in cannot:
        parts.append(_("%(n)s cannot be planned today: %(why)s.", n=item["number"],
                       why=item["reason"]))
    served = chosen.served()
    left_out = [u for u in chosen.solution.unassigned if u.id in urgent]
    if left_out:
        reasons = "; ".join(
            f"#{u.id}: " + (builder.local_reason(u.reason, built.epoch, built.zones[u.id])
                            if u.id in built.zones else u.reason) for u in left_out)
        whole = any(a.freed is staged.ALL for a in tried)
        parts.append((_("The new work does not fit today even if the whole day is re-planned "
                        "(%(why)s).", why=reasons) if whole else
                      _("The new work does not fit today (%(why)s).", why=reasons))
                     + " " + (_("The other visits were left as they were.") if not chosen.moved
                              else ""))
    elif urgent & served:
        if chosen.freed == staged.FROZEN:
            parts.append(_("The new work fits in a gap between the visits as they are."))
        elif not chosen.freed and chosen.freed is not staged.ALL:
            parts.append(_("The new work fits in without reordering anyone's visits."))
        elif chosen.freed is staged.ALL:
            parts.append(_("The new work only fits if the whole day is re-planned."))
        elif len(chosen.freed) == 1:
            parts.append(_("The new work fits once %(who)s's day is re-planned; everyone else's "
                           "visits stay in their order.", who=_who(chosen.freed, names)))
        else:
            parts.append(_("The new work fits once the days of %(who)s are re-planned; everyone "
                           "else's visits stay in their order.", who=_who(chosen.freed, names)))
    if chosen.moved:
        parts.append(ngettext("%(num)d other visit moved: see what moved.",
                              "%(num)d other visits moved: see what moved.", chosen.moved))
    elif urgent & served:
        parts.append(_("No other visit moved."))
    return " ".join(p.strip() for p in parts if p.strip())


def replan_today(actor: User, urgent_ticket_id: int | None = None,
                 time_limit: int | None = None, *, background: bool = True) -> PlanRun:
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
            Ticket.priority == Priority.URGENT, Ticket.merged_into_id.is_(None))))
        if not urgent:
            raise ValidationError(_("No urgent on-site ticket is waiting to be scheduled: give "
                                    "the number of the ticket to fit in today."), field="ticket")
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
                     urgent_ticket_id=urgent_ticket_id, options=options,
                     background=background)


def describe_moves(run: PlanRun) -> list[dict[str, Any]]:
    """What changed against the published day (:func:`staged.moves_between`), each with the
    names, the ticket and a sentence for the board, times in the job's site time."""
    previous = (run.options or {}).get("previous", {})
    new = {v.ticket_id: (v.technician_id, v.planned_start) for v in run.visits}
    moves = staged.moves_between(previous, new)
    names = {u.id: u.name for u in db.session.scalars(db.select(User).where(User.id.in_(
        {m[k] for m in moves for k in ("old_technician_id", "new_technician_id") if k in m})))}
    tickets = {t.id: t for t in db.session.scalars(db.select(Ticket).where(
        Ticket.id.in_({m["ticket_id"] for m in moves})))}
    order = {"added": 0, "technician": 1, "time": 2, "dropped": 3}
    out = []
    for move in sorted(moves, key=lambda m: (order[m["change"]], m["ticket_id"])):
        ticket = tickets.get(move["ticket_id"])
        zone = builder.ticket_zone(ticket) if ticket is not None else None
        item = {**move, "number": f"#{move['ticket_id']}",
                "subject": ticket.subject if ticket is not None else "",
                "old_technician": names.get(move.get("old_technician_id"), ""),
                "new_technician": names.get(move.get("new_technician_id"), "")}

        def at(key: str) -> str:
            moment = datetime.fromisoformat(move[key])
            return moment.astimezone(zone).strftime("%H:%M") if zone else moment.strftime("%H:%M")

        what = f"{item['number']} {item['subject']}".strip()
        if move["change"] == "added":
            text = _("%(what)s: added for %(who)s at %(at)s.", what=what,
                     who=item["new_technician"], at=at("new_start"))
        elif move["change"] == "technician":
            text = _("%(what)s: moved from %(a)s (%(t1)s) to %(b)s (%(t2)s).", what=what,
                     a=item["old_technician"], t1=at("old_start"), b=item["new_technician"],
                     t2=at("new_start"))
        elif move["change"] == "time":
            text = _("%(what)s: still with %(who)s, %(t1)s → %(t2)s.", what=what,
                     who=item["new_technician"], t1=at("old_start"), t2=at("new_start"))
        else:
            text = _("%(what)s: no longer planned today (was with %(who)s at %(at)s).",
                     what=what, who=item["old_technician"], at=at("old_start"))
        out.append({**item, "text": text})
    return out
