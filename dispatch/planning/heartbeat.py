"""A running plan's heartbeat: the sign that the process planning it is still alive.

The process running a plan (an RQ work-horse, or a thread of the web process in the embedded
profile) stamps the run's ``heartbeat_at`` from a thread of its own, on a connection of its own,
every quarter of ``PLANNING_HEARTBEAT_TIMEOUT``: the stamps keep coming while the engine searches
(its loop calls into plain Python, which lets the thread run). A process that is killed, runs
out of memory or loses its machine stops stamping; once the last stamp is older than the
timeout, whoever looks at the run next gives it up (``dispatch.planning.runs``).

Why a thread is enough: it needs the GIL to stamp. The engine's own search, compiled or not,
lets it run (measured: stamps 50–70 ms apart all through a 3 s search). OR-Tools' guided local
search does not: its solve holds the GIL for its whole time limit (measured: a thread stalled
3 s through a 3 s solve). It only ever runs in the portfolio's second worker, which
``dispatch.routing.portfolio`` runs in a forked child process; a fork copies only the forking
thread, and this process meanwhile runs the first worker, which never hands over to OR-Tools
(tests/planning/test_heartbeat.py holds the portfolio to that). Were OR-Tools to run in this
process, its share of a run's time limit would have to stay well under the timeout.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from dispatch.extensions import db
from dispatch.types import utcnow

from .models import PlanRun, RunStatus

log = logging.getLogger(__name__)

#: Seconds without a stamp after which a running plan counts as lost.
DEFAULT_TIMEOUT = 60.0


def timeout() -> float:
    """``PLANNING_HEARTBEAT_TIMEOUT`` in seconds (default :data:`DEFAULT_TIMEOUT`)."""
    return float(current_app.config.get("PLANNING_HEARTBEAT_TIMEOUT") or DEFAULT_TIMEOUT)


def is_stale(run: PlanRun, now: datetime) -> bool:
    """Whether ``run`` is running but its process stopped stamping more than the timeout ago."""
    return (
        run.status == RunStatus.RUNNING
        and run.heartbeat_at is not None
        and now - run.heartbeat_at > timedelta(seconds=timeout())
    )


class Heartbeat:
    """Stamp a running plan from a background thread while the ``with`` block runs."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.every = timeout() / 4
        self.engine = db.engine  # the thread has no app context: it gets the engine itself
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, daemon=True, name=f"plan-run-{run_id}-heartbeat"
        )

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        # A stamp waiting on a busy database ends within its own timeout; never wait forever.
        self.thread.join(self.every + 10)

    def _beat(self) -> None:
        table = PlanRun.__table__
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        update(table)
                        .where(table.c.id == self.run_id, table.c.status == RunStatus.RUNNING)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed stamp is retried; only a long silence fails the run
                log.warning("planning run %s: heartbeat not recorded", self.run_id, exc_info=True)
