"""When the search stops, and how far through its run it is.

A run has a deadline and a number of moves at most; whichever comes first ends it. The share
done (:meth:`Stopping.done`) is the larger of the two shares, time and moves: the temperature
(:mod:`annealing`) and the switch to the milder penalty (:mod:`penalty`) follow it, so a run
bounded by moves makes the same moves however fast the machine is. A share of the time can be
kept after the loop (``reserve``: the search's final trades).
"""

from __future__ import annotations

import time


class Stopping:
    """The stopping rule of one run, started now: until ``deadline`` less the ``reserve`` share
    of the time (:attr:`end`), or ``max_iter`` moves; ``iterations`` counts the moves made."""

    def __init__(self, deadline: float, max_iter: int, reserve: float = 0.0) -> None:
        self.start = time.monotonic()
        self.span = max(1e-3, deadline - self.start)
        self.final = deadline
        self.end = deadline - reserve * self.span
        self.max_iter = max_iter
        self.iterations = 0

    def out_of_time(self, now: float) -> bool:
        """Whether the loop's time is up at ``now`` (time.monotonic())."""
        return now >= self.end

    def done(self, now: float) -> float:
        """The share of the run done at ``now``: of the time or of the moves, the larger."""
        return max((now - self.start) / self.span, self.iterations / self.max_iter)

    def moved(self) -> bool:
        """Count one move; whether that was the last one allowed."""
        self.iterations += 1
        return self.iterations >= self.max_iter
