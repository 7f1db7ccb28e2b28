"""When the search stops, how far through its run it is, and why it stopped.

A run has a deadline (the time limit: a ceiling) and, when it may converge, a cycle: a number
of moves in proportion to the problem. It stops at whichever comes first of:

* the deadline (:meth:`Stopping.out_of_time`): the reason is ``time_limit``;
* convergence: a whole cycle of moves, the temperature (:mod:`annealing`) cooling from hot to
  cold over it, found no better plan (:meth:`Stopping.moved`); the reason is ``converged``.
  A cycle that did find one is followed by another, hot again, from the best plan
  (:attr:`Stopping.restarted` tells the search);
* ``max_iter`` moves, a hard cap that only tests and measurements set (reason ``moves``).

The share done (:meth:`Stopping.done`) is the larger of the two shares, of the time and of the
cycle's moves (without a cycle: of ``max_iter``): the temperature and the switch to the milder
penalty (:mod:`penalty`) follow it, so a run makes the same moves however fast the machine is
until its deadline comes first. A share of the time can be kept after the loop (``reserve``:
the search's final trades).
"""

from __future__ import annotations

import time

#: The reasons a run gives for stopping (:attr:`Stopping.reason`); the solver adds ``optimal``
#: (a tiny problem solved by enumeration, :mod:`exhaustive`).
TIME_LIMIT, CONVERGED, MOVES = "time_limit", "converged", "moves"


class Stopping:
    """The stopping rule of one run, started now: until ``deadline`` less the ``reserve`` share
    of the time (:attr:`end`), a ``cycle`` of moves without a new best (None: never) or
    ``max_iter`` moves; ``iterations`` counts the moves made, ``best_at`` the move of the last
    new best (:meth:`improved`), ``cycle_start`` the first move of the current cycle."""

    def __init__(
        self, deadline: float, max_iter: int, reserve: float = 0.0, cycle: int | None = None
    ) -> None:
        self.start = time.monotonic()
        self.span = max(1e-3, deadline - self.start)
        self.final = deadline
        self.end = deadline - reserve * self.span
        self.max_iter = max_iter
        self.converges = cycle is not None
        # Without convergence the schedule's length in moves is the cap (as before).
        self.cycle = max_iter if cycle is None else max(1, min(cycle, max_iter))
        self.iterations = 0
        self.best_at = -1
        self.cycle_start = 0
        self.restarted = False
        self.reason = TIME_LIMIT

    def out_of_time(self, now: float) -> bool:
        """Whether the loop's time is up at ``now`` (time.monotonic())."""
        if now >= self.end:
            self.reason = TIME_LIMIT
            return True
        return False

    def done(self, now: float) -> float:
        """The share of the run done at ``now``: of the time or of the cycle's moves, the
        larger, at most 1."""
        moves = (self.iterations - self.cycle_start) / self.cycle
        return min(1.0, max((now - self.start) / self.span, moves))

    def improved(self) -> None:
        """The move just made (not yet counted) found a new best plan."""
        self.best_at = self.iterations

    def moved(self) -> bool:
        """Count one move; whether the run is over (the cap, or a cycle found nothing better).
        At the end of a cycle that found something, the next begins: :attr:`restarted`."""
        self.iterations += 1
        if self.iterations >= self.max_iter:
            self.reason = MOVES
            return True
        if self.converges and self.iterations - self.cycle_start >= self.cycle:
            if self.best_at < self.cycle_start:
                self.reason = CONVERGED
                return True
            self.cycle_start = self.iterations
            self.restarted = True
        return False
