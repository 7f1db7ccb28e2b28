"""What a left-out job costs the search: the lexicographic penalty, and the milder one.

The search compares plans on travel plus, for every job left out, a penalty far above any
travel: the job's priority times a unit above every count of jobs, plus a unit above any travel
(:attr:`fastdata.Data.travel_bound`). So a plan that serves less priority is never better, and
among those that serve the same priority the one that serves more jobs is (VROOM's order:
priority, then jobs, then travel). A pinned job costs more still: it is left out only when
nothing else works.

On a day where jobs are still left out in the best plan after the ``soft_after`` share of the
run, the search may accept on a milder penalty instead: ``soft`` average arcs per priority
point (:meth:`Penalty.mild`). It can then give up a job for a while to make room for others
that together are worth more; the best plan is still judged on the strict penalty. Measured:
+8 to +13 priority on four over-subscribed days, the same moves where everything fits. Not
from the start: on a day that fits, but not at the first try, it cost travel and now and then
a job (docs/benchmarks.md, "What was tried").
"""

from __future__ import annotations

from .fastdata import Data


class Penalty:
    """The strict penalty per job (``strict``), the one the search accepts on now (``used``:
    ``strict`` or the milder one) and when to switch (``soft``, ``soft_after``; ``soft`` None:
    never)."""

    def __init__(
        self, d: Data, njobs: int, soft: float | None = None, soft_after: float = 0.0
    ) -> None:
        # Lexicographic: the count above any travel, priority above every count.
        self.w_count = d.travel_bound
        self.w_prio = d.travel_bound * (njobs + 1)
        self.strict = [pr * self.w_prio + self.w_count for pr in d.prio]
        for x in d.pinned:  # dropped only when nothing else works
            self.strict[x] = 101 * self.w_prio * (njobs + 1)
        self.d = d
        self.soft = soft
        self.soft_after = soft_after
        self.softened = False
        self.used = self.strict

    def costs(self, travel, out) -> tuple:
        """(cost with :attr:`used`, cost with :attr:`strict`) of a plan of ``travel`` that
        leaves the jobs ``out`` out, in one pass (the search needs both on every move once
        the milder penalty is on)."""
        used, strict = self.used, self.strict
        mild = hard = travel
        for j in out:
            mild += used[j]
            hard += strict[j]
        return mild, hard

    def leaves_out(self, cost) -> bool:
        """Whether a plan of strict ``cost`` leaves a job out."""
        return cost >= self.w_count

    def due(self, done: float, best) -> bool:
        """Whether to switch to the milder penalty now: at the share ``done`` of the run, with
        the best plan's strict cost ``best`` (once only, and only if it leaves jobs out)."""
        return (
            self.soft is not None
            and not self.softened
            and done >= self.soft_after
            and self.leaves_out(best)
        )

    def mild(self, arc: float) -> list:
        """The milder penalties: ``soft`` times ``arc`` (an average arc of the plan) per
        priority point, plus one (a job of priority 0 still counts); pinned jobs keep theirs."""
        pinned, prio, soft = self.d.pinned, self.d.prio, self.soft
        return [
            p if j in pinned else int(soft * arc * (1 + prio[j])) for j, p in enumerate(self.strict)
        ]

    def soften(self, arc: float) -> None:
        """Accept on the milder penalties from now on (see :meth:`mild`)."""
        self.softened = True
        self.used = self.mild(arc)

    def harden(self) -> None:
        """Accept on the strict penalties again (once everything is served, only travel
        counts)."""
        self.used = self.strict

    def is_mild(self) -> bool:
        """Whether the search accepts on the milder penalties now."""
        return self.used is not self.strict
