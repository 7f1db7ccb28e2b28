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
"""

from __future__ import annotations

from .model import HORIZON, Problem, Solution

__all__ = ["Rules", "has_rules", "rules_of", "soft_cost", "task_times", "cut_windows"]


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
        #: Above the soft cost of any plan: added to the unit of the search's penalties.
        self.soft_bound = bound
        self.soft = bound > 0
        self.late = any(dl is not None for dl in self.deadline)
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

    def route_soft(self, k: int, seq: list[int], tend: list[int]) -> int:
        """The soft cost of vehicle ``k``'s sequence (jobs ≥ 0, breaks < 0) whose tasks end
        at ``tend`` (per position)."""
        total = 0
        for i, x in enumerate(seq):
            if x >= 0:
                total += self.pref_cost(x, k) + self.late_cost(x, tend[i])
        return total


def has_rules(problem: Problem) -> bool:
    """Whether any job has a soft cost or a dependency (the vehicle rules need no search)."""
    return any(j.preferred_vehicles or j.deadline or j.depends_on for j in problem.jobs)


def rules_of(problem: Problem) -> Rules | None:
    """The problem's :class:`Rules`, or None when it has no soft cost and no dependency."""
    return Rules(problem) if has_rules(problem) else None


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
    return sum(
        rules.pref_cost(jpos[jid], vpos[vid]) + rules.late_cost(jpos[jid], end)
        for jid, (vid, _, end) in task_times(solution).items()
    )


def cut_windows(windows, release: int) -> tuple[tuple[int, int], ...]:
    """``windows`` from ``release`` on (empty when all are over by then)."""
    return tuple((max(a, release), b) for a, b in windows if max(a, release) <= b)
