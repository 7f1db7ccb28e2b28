"""The heartbeat is stamped by a thread of the process that plans: nothing that process runs
may hold the GIL for as long as the heartbeat's timeout (see dispatch.planning.heartbeat)."""

from __future__ import annotations

from dispatch.routing.solver import PORTFOLIO


def test_the_worker_in_the_planning_process_never_hands_over_to_or_tools():
    """OR-Tools' solve holds the GIL for its whole time limit, which would silence the
    heartbeat thread. The portfolio's first strategy is the one run in the planning process
    itself (the others run in forked children; with one core it runs alone): it must
    leave OR-Tools out."""
    assert PORTFOLIO[0].ortools_after == 0
