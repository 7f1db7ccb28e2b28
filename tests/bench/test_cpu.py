"""The web benchmark's CPU accounting: a role's CPU seconds over a window of the run, and the
table of milliseconds per request it prints."""

from __future__ import annotations

import os
import time

import pytest

from dispatch.bench import report

# psutil comes with the bench extra (make test-bench installs it): imported by each test, so
# that the suite without the extra still collects this file (and leaves it out).
pytestmark = pytest.mark.bench


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_the_window_holds_what_was_spent_in_it_and_not_before():
    from dispatch.bench.cpu import Sampler, tree

    sampler = Sampler({"me": tree(os.getpid()), "nobody": lambda: []}, every=0.05)
    sampler.start()
    _busy(0.3)  # before the window
    time.sleep(0.1)
    start = time.time()
    _busy(0.4)
    end = time.time()
    time.sleep(0.1)
    sampler.stop()
    spent = sampler.between(start, end)
    # The window's own 0.4 s, give or take a sample's worth on each side; not the 0.3 s before.
    assert 0.3 < spent["me"] < 0.6, spent
    assert spent["nobody"] == 0
    assert sampler.between(end + 10, end + 20)["me"] == 0  # after the last sample: nothing


def test_the_table_says_each_process_per_request_and_the_cores_kept_busy():
    scenario = report.SCENARIOS[1]
    figures = report.Figures(scenario, 100, 10, 20, 50.0, 0, 100, {200: 100})
    figures.cpu_ms = {"web": 12.0, "database": 4.0}
    table = report.cpu_table([figures]).splitlines()
    assert table[0] == "| scenario (CPU ms per request) | web | database | all | cores busy |"
    busy = f"{16 * 50 / 1000 / (os.cpu_count() or 1):.0%}"
    assert table[2] == f"| {scenario.title} | 12.0 | 4.0 | 16.0 | {busy} |"
