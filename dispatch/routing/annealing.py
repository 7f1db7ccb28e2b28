"""The search's acceptance rule: simulated annealing on a temperature that cools over the run.

A move to a plan that costs ``cost``, from one that costs ``current``, is accepted when
``cost < current - T·ln(u)`` for ``u`` uniform in (0, 1): always when it is no worse, and a
worse plan with a probability that falls with the loss and with the temperature ``T``. ``T``
starts at ``t0`` and falls geometrically to ``t0 / folds`` as the run's share done goes from 0
to 1 (:meth:`Annealing.cool`). While the search accepts on the milder penalty for left-out
jobs (:mod:`penalty`), it cools only ``soft_folds``-fold, so that it keeps giving up jobs for a
while to make room for others.
"""

from __future__ import annotations

import math


class Annealing:
    """The temperature schedule and acceptance test of one run; ``rng`` is the search's random
    number generator (the test draws from it, so the order of draws is the search's)."""

    def __init__(self, t0: float, rng, folds: float = 100.0, soft_folds: float = 100.0) -> None:
        self.t0 = t0
        self.folds = folds
        self.soft_folds = soft_folds
        self.t1 = t0 / folds
        self.temperature = t0
        self.rng = rng

    def soften(self) -> None:
        """Cool only ``soft_folds``-fold from now on (the milder penalty is on)."""
        self.t1 = self.t0 / self.soft_folds

    def harden(self) -> None:
        """Cool ``folds``-fold again (back on the strict penalty)."""
        self.t1 = self.t0 / self.folds

    def cool(self, done: float) -> None:
        """Set the temperature for the share ``done`` of the run."""
        self.temperature = self.t0 * (self.t1 / self.t0) ** done

    def accepts(self, cost, current) -> bool:
        """Whether a plan of ``cost`` replaces the current one, of ``current`` (one draw)."""
        return cost < current - self.temperature * math.log(self.rng.random() or 1e-12)
