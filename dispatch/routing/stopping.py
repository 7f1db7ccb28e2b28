"""When the search stops, how far through its run it is, and why it stopped.

A run has a deadline (the time limit, a ceiling), a planned length in moves and a patience;
it stops at whichever comes first of:

* the deadline (:meth:`Stopping.out_of_time`): the reason is ``time_limit``;
* convergence (:meth:`Stopping.converged`): the planned moves are made, so the temperature
  (:mod:`annealing`) has cooled all the way, and the best plan has not improved for
  ``patience`` moves; the reason is ``converged``;
* ``max_iter`` moves, a hard cap that only tests and measurements set (reason ``moves``).

The share done (:meth:`Stopping.done`) is the larger of the two shares, of the time and of the
planned moves: the temperature and the switch to the milder penalty (:mod:`penalty`) follow
it, so a run makes the same moves however fast the machine is until its deadline comes first.
A share of the time can be kept after the loop (``reserve``: the search's final trades).
"""

from __future__ import annotations

import time

#: The reasons a run gives for stopping (:attr:`Stopping.reason`); the solver adds ``optimal``
#: (a tiny problem solved by enumeration, :mod:`exhaustive`).
TIME_LIMIT, CONVERGED, MOVES = "time_limit", "converged", "moves"


class Stopping:
    """The stopping rule of one run, started now: until ``deadline`` less the ``reserve`` share
    of the time (:attr:`end`), convergence (``planned`` moves made, then ``patience`` moves
    without a new best; None: never) or ``max_iter`` moves; ``iterations`` counts the moves
    made, ``best_at`` the move of the last new best (:meth:`improved`)."""

    def __init__(
        self,
        deadline: float,
        max_iter: int,
        reserve: float = 0.0,
        planned: int | None = None,
        patience: int | None = None,
    ) -> None:
        self.start = time.monotonic()
        self.span = max(1e-3, deadline - self.start)
        self.final = deadline
        self.end = deadline - reserve * self.span
        self.max_iter = max_iter
        # Without convergence the schedule's length in moves is the cap (as before).
        self.planned = max_iter if planned is None else max(1, min(planned, max_iter))
        self.patience = patience
        self.iterations = 0
        self.best_at = 0
        self.reason = TIME_LIMIT

    def out_of_time(self, now: float) -> bool:
        """Whether the loop's time is up at ``now`` (time.monotonic())."""
        if now >= self.end:
            self.reason = TIME_LIMIT
            return True
        return False

    def done(self, now: float) -> float:
        """The share of the run done at ``now``: of the time or of the planned moves, the
        larger, at most 1."""
        return min(1.0, max((now - self.start) / self.span, self.iterations / self.planned))

    def improved(self) -> None:
        """The move just made found a new best plan."""
        self.best_at = self.iterations

    def converged(self) -> bool:
        """Whether the planned moves are made and the last ``patience`` found nothing better."""
        if (
            self.patience is not None
            and self.iterations >= self.planned
            and self.iterations - self.best_at >= self.patience
        ):
            self.reason = CONVERGED
            return True
        return False

    def moved(self) -> bool:
        """Count one move; whether that was the last one allowed (the cap or convergence)."""
        self.iterations += 1
        if self.iterations >= self.max_iter:
            self.reason = MOVES
            return True
        return self.converged()
