"""How a run is solved: one question to the engine, or, for "re-plan today", a staged search.

Re-planning keeps the visits already started or done out of the problem (each technician's day
continues from where they are) and keeps the dispatcher's pinned visits. Every other waiting
visit is first held on its technician in its order, the new work inserted between them; when
that is not enough, technicians are freed step by step, the whole day only as a last resort
(:mod:`.staged`). The plan kept serves the urgent work with the fewest visits moved, and says
what moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from flask import current_app
from flask_babel import force_locale

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.routing import Solution, dump_problem, solve
from dispatch.routing.days import solve_days
from dispatch.stored_text import Stored, engine, joined, render, said, said_plural
from dispatch.tickets.models import Ticket
from dispatch.types import utcnow

from . import problem as builder
from . import staged
from .engine_reasons import in_language
from .local_reasons import local_reason
from .models import PlanRun, RunStatus, Visit

#: Progress (percent) at the end of each phase; solving fills the gap by elapsed time.
P_READ, P_SOLVE, P_STORE = 5, 15, 95


def message_columns(message: Stored) -> dict[str, Any]:
    """A run's message as its columns: the data each reader's page says in their language,
    and the text in the company's language (the command line and the API's)."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        text = render(message, engine=in_language)
    return {
        "message": text[:500],
        "message_data": message if not isinstance(message, str) else None,
    }


def commit_progress(run: PlanRun, progress: int, message: Stored) -> None:
    """Show the run's progress and message to the pages polling it (commits). A run given up
    meanwhile as lost keeps its failure message: only a running run's row is written."""
    db.session.execute(
        db.update(PlanRun)
        .where(PlanRun.id == run.id, PlanRun.status == RunStatus.RUNNING)
        .values(progress=progress, **message_columns(message), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # also what the caller set on the run (its problem, its clock)


def solving(
    run: PlanRun, built: builder.Built, limit: float, *, label: str = "", restart_clock: bool = True
) -> Solution:
    """Run the engine on ``built`` for at most ``limit`` seconds (progress shown meanwhile).

    A run that asks the engine several questions (re-plan today) passes ``label`` (which step
    this is) and keeps the progress clock of its first step (``restart_clock=False`` later)."""
    run.problem = dump_problem(built.problem)
    if restart_clock or run.solving_since is None:
        run.solving_since = utcnow()
    text = said(
        "Optimising %(j)d jobs for %(v)d technician-days (up to %(s)d s)…",
        j=len(built.problem.jobs),
        v=len(built.problem.vehicles),
        s=max(1, round(limit)),
    )
    commit_progress(run, max(run.progress, P_SOLVE), [text, label] if label else text)
    days = run.days

    def on_day(k: int) -> None:
        if days > 1:
            commit_progress(
                run,
                P_SOLVE + (P_STORE - P_SOLVE) * k // days,
                said("Optimising day %(k)d of %(n)d…", k=k + 1, n=days),
            )

    # The engine answers once its search has converged; PLANNING_STOP_EARLY false makes it
    # search for the whole limit (a run that must stay busy, as in the worker tests).
    stop_early = current_app.config.get("PLANNING_STOP_EARLY", True)
    return solve_days(
        built.problem,
        days,
        limit,
        solve if stop_early else partial(solve, converge=False),
        workers=current_app.config.get("PLANNING_WORKERS"),
        split_above=int(current_app.config.get("PLANNING_SPLIT_ABOVE", 5000)),
        on_day=on_day,
    )


def _pins(items: Iterable[dict[str, Any]]) -> list[builder.Pin]:
    return [
        builder.Pin(
            ticket_id=p["ticket_id"],
            technician_id=p["technician_id"],
            day=date.fromisoformat(p["day"]),
            start=datetime.fromisoformat(p["start"]) if p.get("start") else None,
        )
        for p in items
    ]


def pin_of(visit: Visit) -> dict[str, Any]:
    return {
        "ticket_id": visit.ticket_id,
        "technician_id": visit.technician_id,
        "day": visit.day.isoformat(),
        "start": visit.planned_start.isoformat(),
    }


def _message(
    built: builder.Built, solution: Solution, limit: float, extra: list[Stored] = ()
) -> list[Stored]:
    text = said(
        "Plan ready: %(v)d visits, %(u)d not planned, %(t)d min of driving. The engine "
        "searched for up to %(s)d s (its time limit) and kept the best plan it found.",
        v=solution.served,
        u=len(solution.unassigned) + len(built.unplannable),
        t=round(solution.travel / 60),
        s=int(limit),
    )
    return [text, *extra]


def solve_run(run: PlanRun) -> tuple[builder.Built, Solution, list[Stored]]:
    """Build and solve the run's problem; the built problem, the solution and a message."""
    opts = run.options or {}
    common = dict(
        now=utcnow(),
        site_ids=run.site_ids,
        region=run.region,
        pins=_pins(opts.get("pins", [])),
        exclude=list(opts.get("removed", [])) + list(opts.get("exclude", [])),
    )
    if run.kind != "replan":
        built = builder.build(run.first_day, run.days, **common)
        solution = solving(run, built, run.time_limit)
        return built, solution, _message(built, solution, run.time_limit)
    starts = {
        (int(k.split("|")[0]), date.fromisoformat(k.split("|")[1])): (
            (v[0], v[1]) if v[0] is not None else None,
            datetime.fromisoformat(v[2]),
        )
        for k, v in opts.get("starts", {}).items()
    }
    only = list(opts.get("only", []))
    built = builder.build(
        run.first_day,
        1,
        hints=_pins(opts.get("hints", [])),
        only_ids=only,
        extra_ids=only,
        starts=starts,
        **common,
    )
    urgent = set(opts.get("urgent", []))
    names = {who["technician_id"]: who["name"] for who in built.vehicles.values()}
    steps = {"n": 0}

    def solve(variant: builder.Built, seconds: float, freed) -> Solution:
        steps["n"] += 1
        return solving(
            run,
            variant,
            seconds,
            label=_step_label(freed, names, steps["n"]),
            restart_clock=steps["n"] == 1,
        )

    chosen, tried = staged.search(
        built,
        hard={p["ticket_id"] for p in opts.get("pins", [])},
        urgent=urgent,
        previous=opts.get("previous", {}),
        limit=run.time_limit,
        solve=solve,
    )
    run.problem = dump_problem(chosen.built.problem)
    run.options = {**opts, "tried": [_tried(a, names, a is chosen) for a in tried]}
    return (
        chosen.built,
        chosen.solution,
        _message(
            chosen.built,
            chosen.solution,
            run.time_limit,
            _outcome(built, chosen, tried, urgent, names),
        ),
    )


def _who(freed, names: dict[int, str]) -> Stored:
    if freed is staged.ALL:
        return said("the whole day")
    if freed == staged.FROZEN:
        return said("every visit kept at its time")
    if not freed:
        return said("every visit kept in its order")
    return ", ".join(sorted(names.get(t, f"#{t}") for t in freed))


def _step_label(freed, names: dict[int, str], n: int) -> Stored:
    if freed is staged.ALL:
        return said("step %(n)d: re-planning the whole day", n=n)
    if freed == staged.FROZEN:
        return said("step %(n)d: looking for a gap between the visits as they are", n=n)
    if not freed:
        return said("step %(n)d: inserting the new work, every visit kept in its order", n=n)
    return said("step %(n)d: re-planning only %(who)s", n=n, who=_who(freed, names))


def _tried(attempt: staged.Attempt, names: dict[int, str], chosen: bool) -> dict[str, Any]:
    who = _who(attempt.freed, names)
    if attempt.settled:
        who = said("%(who)s, then the other visits put back in place", who=who)
    return {
        "freed": who,
        "urgent_planned": attempt.urgent_served,
        "settled": attempt.settled,
        "moved": attempt.moved,
        "planned": attempt.solution.served,
        "chosen": chosen,
    }


def _outcome(
    built: builder.Built,
    chosen: staged.Attempt,
    tried: list[staged.Attempt],
    urgent: set[int],
    names: dict[int, str],
) -> list[Stored]:
    """What the dispatcher needs to know: did the urgent work fit, at what cost."""
    parts: list[Stored] = []
    cannot = [u for u in built.unplannable if u["ticket_id"] in urgent]
    for item in cannot:
        parts.append(
            said("%(n)s cannot be planned today: %(why)s.", n=item["number"], why=item["reason"])
        )
    served = chosen.served()
    left_out = [u for u in chosen.solution.unassigned if u.id in urgent]
    if left_out:
        whole = any(a.freed is staged.ALL for a in tried)
        why = joined([_left_out(u, built) for u in left_out])
        parts.append(
            said(
                "The new work does not fit today even if the whole day is re-planned (%(why)s).",
                why=why,
            )
            if whole
            else said("The new work does not fit today (%(why)s).", why=why)
        )
        if not chosen.moved:
            parts.append(said("The other visits were left as they were."))
    elif urgent & served:
        if chosen.freed == staged.FROZEN:
            parts.append(said("The new work fits in a gap between the visits as they are."))
        elif not chosen.freed and chosen.freed is not staged.ALL:
            parts.append(said("The new work fits in without reordering anyone's visits."))
        elif chosen.freed is staged.ALL:
            parts.append(said("The new work only fits if the whole day is re-planned."))
        elif len(chosen.freed) == 1:
            parts.append(
                said(
                    "The new work fits once %(who)s's day is re-planned; everyone else's "
                    "visits stay in their order.",
                    who=_who(chosen.freed, names),
                )
            )
        else:
            parts.append(
                said(
                    "The new work fits once the days of %(who)s are re-planned; everyone "
                    "else's visits stay in their order.",
                    who=_who(chosen.freed, names),
                )
            )
    if chosen.moved:
        parts.append(
            said_plural(
                "%(num)d other visit moved: see what moved.",
                "%(num)d other visits moved: see what moved.",
                chosen.moved,
            )
        )
    elif urgent & served:
        parts.append(said("No other visit moved."))
    return parts


def _left_out(unassigned, built: builder.Built) -> Stored:
    """One urgent job the engine left out: its number and the engine's reason, in site time."""
    reason = unassigned.reason
    if unassigned.id in built.zones:
        reason = local_reason(reason, built.epoch, built.zones[unassigned.id])
    return said("%(n)s: %(why)s", n=f"#{unassigned.id}", why=engine(reason))


def _clock(stamp: str, zone) -> str:
    """An ISO time of a move as the hour and minute on the site's clock (or as stored)."""
    moment = datetime.fromisoformat(stamp)
    return moment.astimezone(zone).strftime("%H:%M") if zone else moment.strftime("%H:%M")


def describe_moves(run: PlanRun) -> list[dict[str, Any]]:
    """What changed against the published day (:func:`staged.moves_between`), each with the
    names, the ticket and a sentence for the board, times in the job's site time."""
    previous = (run.options or {}).get("previous", {})
    new = {v.ticket_id: (v.technician_id, v.planned_start) for v in run.visits}
    moves = staged.moves_between(previous, new)
    names = {
        u.id: u.name
        for u in db.session.scalars(
            db.select(User).where(
                User.id.in_(
                    {
                        m[k]
                        for m in moves
                        for k in ("old_technician_id", "new_technician_id")
                        if k in m
                    }
                )
            )
        )
    }
    tickets = {
        t.id: t
        for t in db.session.scalars(
            db.select(Ticket).where(Ticket.id.in_({m["ticket_id"] for m in moves}))
        )
    }
    order = {"added": 0, "technician": 1, "time": 2, "dropped": 3}
    out = []
    for move in sorted(moves, key=lambda m: (order[m["change"]], m["ticket_id"])):
        ticket = tickets.get(move["ticket_id"])
        zone = builder.ticket_zone(ticket) if ticket is not None else None
        item = {
            **move,
            "number": f"#{move['ticket_id']}",
            "subject": ticket.subject if ticket is not None else "",
            "old_technician": names.get(move.get("old_technician_id"), ""),
            "new_technician": names.get(move.get("new_technician_id"), ""),
        }

        what = f"{item['number']} {item['subject']}".strip()
        if move["change"] == "added":
            text = said(
                "%(what)s: added for %(who)s at %(at)s.",
                what=what,
                who=item["new_technician"],
                at=_clock(move["new_start"], zone),
            )
        elif move["change"] == "technician":
            text = said(
                "%(what)s: moved from %(a)s (%(t1)s) to %(b)s (%(t2)s).",
                what=what,
                a=item["old_technician"],
                t1=_clock(move["old_start"], zone),
                b=item["new_technician"],
                t2=_clock(move["new_start"], zone),
            )
        elif move["change"] == "time":
            text = said(
                "%(what)s: still with %(who)s, %(t1)s → %(t2)s.",
                what=what,
                who=item["new_technician"],
                t1=_clock(move["old_start"], zone),
                t2=_clock(move["new_start"], zone),
            )
        else:
            text = said(
                "%(what)s: no longer planned today (was with %(who)s at %(at)s).",
                what=what,
                who=item["old_technician"],
                at=_clock(move["old_start"], zone),
            )
        out.append({**item, "text": text})
    return out
