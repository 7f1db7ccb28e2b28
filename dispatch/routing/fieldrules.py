"""The field-work rules of a problem, by job position: who may serve a job, what it costs to
serve it late or by a technician other than the preferred one, and what it must wait for.

:class:`Rules` is built once per solve from the :class:`~dispatch.routing.model.Problem` and
read by the search (:mod:`lns`), the enumeration (:mod:`exhaustive`) and the timing of the
answer (:mod:`assemble`):

* ``required_vehicles`` / ``prohibited_vehicles`` narrow the vehicles a job may have
  (:func:`assemble.compatible`), so no plan ever breaks them;
* the *soft cost* of a served job is its preference cost (the heaviest preferred weight less
  the serving vehicle's own, 0 for the preferred one) plus its lateness cost (the breach cost
  and the cost per minute, rounded up, past the deadline, on the end of the task); it is added
  to travel in the third term of the objective (:func:`soft_cost`), in the same unit: a weight
  of 60 is worth a minute of travel;
* a dependency makes a job wait for another: it starts at least ``delay`` seconds after the
  other ends (on the same vehicle when asked), and is not served without it.

Two costs belong to the technicians rather than the jobs, in the same term of the objective:

* *overtime*: a route that reaches its end (or ends its last task, on an open route) past its
  shift's close costs the vehicle's ``per_minute`` for each minute past it, rounded up (the
  hard limit, close plus the overtime allowed, is the timing's: ``Vehicle.latest_end``);
* *balance*: the problem's ``balance`` weight times the spread of the working time of all its
  technicians (:func:`balance_cost`), a working time being the travel, setup and service of
  a route's jobs (breaks and waiting left out; a technician without a route works 0). It
  belongs to the whole plan, not to one route: the search weighs it where it compares plans
  (:meth:`lns.Search.soft`), not in the cost of one insertion.
"""

from __future__ import annotations

from .model import HORIZON, Problem, Solution

__all__ = [
    "Rules",
    "has_rules",
    "rules_of",
    "soft_cost",
    "task_times",
    "cut_windows",
    "balance_cost",
    "work_times",
    "overtime_cost",
]


class Rules:
    """The rules of ``problem``, by job and vehicle position (see the module docstring)."""

    def __init__(self, problem: Problem) -> None:
        vpos = {v.id: k for k, v in enumerate(problem.vehicles)}
        jpos = {j.id: i for i, j in enumerate(problem.jobs)}
        n = len(problem.jobs)
        #: Per job: None, or (cost on an unlisted vehicle, {vehicle position: cost}).
        self.pref: list[tuple[int, dict[int, int]] | None] = [None] * n
        #: Per job: None, or (deadline, cost per minute, breach cost).
        self.deadline: list[tuple[int, int, int] | None] = [None] * n
        #: Per job: the jobs it waits for, as (job position, delay, same vehicle).
        self.preds: list[list[tuple[int, int, bool]]] = [[] for _ in range(n)]
        #: Per job: the jobs that wait for it.
        self.succs: list[list[int]] = [[] for _ in range(n)]
        bound = 0
        for i, job in enumerate(problem.jobs):
            if job.preferred_vehicles:
                top = max(w for _, w in job.preferred_vehicles)
                # (A vehicle not in this problem, as in one day of a week planned day by day,
                # is never the one serving it.)
                self.pref[i] = (
                    top,
                    {vpos[v]: top - w for v, w in job.preferred_vehicles if v in vpos},
                )
                bound += top
            if job.deadline is not None:
                dl = job.deadline
                self.deadline[i] = (dl.time, dl.per_minute, dl.breach)
                bound += dl.breach + (dl.per_minute * HORIZON + 59) // 60
            for dep in job.depends_on:
                a = jpos.get(dep.id)
                if a is None:  # not in this problem: the job is never served (compatible)
                    continue
                self.preds[i].append((a, dep.delay, dep.same_vehicle))
                self.succs[a].append(i)
        #: Per vehicle: None, or (the shift's close, cost per minute past it).
        self.overtime: list[tuple[int, int] | None] = []
        for v in problem.vehicles:
            if v.overtime is None or not v.overtime.per_minute:
                self.overtime.append(None)
                continue
            self.overtime.append((v.time_window[1], v.overtime.per_minute))
            bound += overtime_cost(v.overtime.per_minute, v.overtime.max)
        #: The weight of the working time's spread (0: off), and what a route's work is made of.
        self.balance = problem.balance
        if self.balance:
            # A route's work (travel, setup, service) fits within its span, so the spread is
            # below twice the sum of the spans.
            spans = sum(v.latest_end - v.time_window[0] for v in problem.vehicles)
            bound += balance_cost(self.balance, [2 * spans, 0])
        self.loc = [j.location_index for j in problem.jobs]
        self.setup = [j.setup for j in problem.jobs]
        self.serv = [j.service for j in problem.jobs]
        self.start = [v.start_index for v in problem.vehicles]
        #: Above the soft cost of any plan: added to the unit of the search's penalties.
        self.soft_bound = bound
        self.soft = bound > 0
        self.late = any(dl is not None for dl in self.deadline)
        #: Whether the timing of a route changes its cost (lateness or overtime): insertions
        #: are then weighed timed (:meth:`lns.Search.best_insertion`).
        self.timed = self.late or any(o is not None for o in self.overtime)
        self.deps = any(self.preds)

    def pref_cost(self, j: int, k: int) -> int:
        """What serving job ``j`` on vehicle ``k`` costs in preference."""
        p = self.pref[j]
        return 0 if p is None else p[1].get(k, p[0])

    def late_cost(self, j: int, end: int) -> int:
        """What job ``j`` costs for a task ending at ``end``."""
        dl = self.deadline[j]
        if dl is None or end <= dl[0]:
            return 0
        return dl[2] + (dl[1] * (end - dl[0]) + 59) // 60

    def lateness(self, j: int, end: int) -> int:
        """Seconds past job ``j``'s deadline of a task ending at ``end``."""
        dl = self.deadline[j]
        return 0 if dl is None else max(0, end - dl[0])

    def route_soft(self, k: int, seq: list[int], tend: list[int], finish: int) -> int:
        """The soft cost of vehicle ``k``'s sequence (jobs ≥ 0, breaks < 0) whose tasks end
        at ``tend`` (per position) and which reaches its end at ``finish``: its jobs'
        preference and lateness costs and its overtime cost (balance aside: the whole plan's)."""
        total = 0
        for i, x in enumerate(seq):
            if x >= 0:
                total += self.pref_cost(x, k) + self.late_cost(x, tend[i])
        ot = self.overtime[k]
        if ot is not None and finish > ot[0]:
            total += overtime_cost(ot[1], finish - ot[0])
        return total

    def route_work(self, k: int, seq: list[int], travel: int) -> int:
        """The working time of vehicle ``k``'s sequence that drives ``travel``: travel, and
        each job's setup (skipped after a task at the same place) and service."""
        work, here = travel, self.start[k]
        loc, setup, serv = self.loc, self.setup, self.serv
        for x in seq:
            if x >= 0:
                work += serv[x] + (0 if loc[x] == here else setup[x])
                here = loc[x]
        return work


def has_rules(problem: Problem) -> bool:
    """Whether any job has a soft cost or a dependency, or the technicians' overtime or
    balance costs something (the vehicle rules need no search)."""
    return (
        any(j.preferred_vehicles or j.deadline or j.depends_on for j in problem.jobs)
        or any(v.overtime is not None for v in problem.vehicles)
        or problem.balance > 0
    )


def rules_of(problem: Problem) -> Rules | None:
    """The problem's :class:`Rules`, or None when it has no soft cost and no dependency."""
    return Rules(problem) if has_rules(problem) else None


def overtime_cost(per_minute: int, seconds: int) -> int:
    """What ``seconds`` of overtime cost at ``per_minute`` (pro rata, rounded up)."""
    return (per_minute * seconds + 59) // 60 if seconds > 0 else 0


def balance_cost(weight: int, works: list[int]) -> int:
    """``weight`` per minute of the spread of the working times ``works`` (seconds, one per
    technician): the sum of their absolute deviations from their mean, rounded up. Exact in
    integers: the deviations are summed ``len(works)`` times over."""
    n = len(works)
    if not weight or n < 2:
        return 0
    total = sum(works)
    spread_n = sum(abs(n * w - total) for w in works)  # n × the spread, in seconds
    return (weight * spread_n + 60 * n - 1) // (60 * n)


def work_times(problem: Problem, solution: Solution) -> list[int]:
    """Per vehicle of ``problem`` (in order), the working time of its route in the timed
    ``solution``: travel, and its jobs' setup and service (0 without a route)."""
    work = {
        r.vehicle: r.duration + sum(s.setup + s.service for s in r.steps if s.type == "job")
        for r in solution.routes
    }
    return [work.get(v.id, 0) for v in problem.vehicles]


def task_times(solution: Solution) -> dict[int, tuple[int, int, int]]:
    """Per served job id: (vehicle id, task start, task end), from the route's steps."""
    out = {}
    for r in solution.routes:
        for s in r.steps:
            if s.type == "job":
                begin = s.arrival + s.waiting_time
                out[s.id] = (r.vehicle, begin, begin + s.setup + s.service)
    return out


def soft_cost(problem: Problem, solution: Solution, rules: Rules | None = None) -> int:
    """The soft cost of the timed ``solution`` (0 when the problem has none)."""
    rules = rules if rules is not None else rules_of(problem)
    if rules is None or not rules.soft:
        return 0
    jpos = {j.id: i for i, j in enumerate(problem.jobs)}
    vpos = {v.id: k for k, v in enumerate(problem.vehicles)}
    # Step by step, not job by job: a team job's costs count once for each of its technicians.
    total = sum(
        rules.pref_cost(jpos[s.id], vpos[r.vehicle])
        + rules.late_cost(jpos[s.id], s.arrival + s.waiting_time + s.setup + s.service)
        for r in solution.routes
        for s in r.steps
        if s.type == "job"
    )
    for r in solution.routes:
        ot = rules.overtime[vpos[r.vehicle]]
        if ot is not None:
            total += overtime_cost(ot[1], r.overtime)
    return total + balance_cost(rules.balance, work_times(problem, solution))


def cut_windows(windows, release: int) -> tuple[tuple[int, int], ...]:
    """``windows`` from ``release`` on (empty when all are over by then)."""
    return tuple((max(a, release), b) for a, b in windows if max(a, release) <= b)
