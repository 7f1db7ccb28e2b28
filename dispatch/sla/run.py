"""A ticket's service-level clock, replayed from its status changes: pure (no database).

The resolution clock runs from the ticket's creation while the ticket is open, pauses while it
waits on the requester, stops when it is resolved or closed, and runs again when it is
reopened or the requester answers. The first-response clock runs from the creation until the
first response (or until the ticket is finished without one). Both count business time of one
calendar, so targets are "amounts of business time since the start".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.sla.clock import ZERO, Calendar, add, between

RUNNING, PAUSED, STOPPED = "running", "paused", "stopped"


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class Clock:
    """Where a ticket's clocks stand after its last change."""

    first_response_due: datetime
    first_response_at: datetime | None
    #: When the resolution target is (or was) reached; None while paused or stopped in time.
    resolution_due: datetime | None
    used: timedelta  # resolution time counted before ``since``
    paused: timedelta  # business time paused or stopped before ``since``
    state: str  # RUNNING, PAUSED or STOPPED since ``since``
    since: datetime
    breached: bool  # a deadline already missed at the last change

    @property
    def next_due(self) -> datetime | None:
        """The nearest deadline still open (what lists sort by)."""
        dues = []
        if self.first_response_at is None and self.state != STOPPED:
            dues.append(self.first_response_due)
        if self.state == RUNNING and self.resolution_due is not None:
            dues.append(self.resolution_due)
        return min(dues, default=None)

    def used_at(self, calendar: Calendar, now: datetime) -> timedelta:
        """Resolution time counted until ``now``."""
        extra = between(calendar, self.since, now) if self.state == RUNNING else ZERO
        return self.used + max(extra, ZERO)

    def paused_at(self, calendar: Calendar, now: datetime) -> timedelta:
        """Business time paused (waiting on the requester, or finished then reopened) until
        ``now``; a finished ticket's time since it finished is not a pause."""
        extra = between(calendar, self.since, now) if self.state == PAUSED else ZERO
        return self.paused + max(extra, ZERO)


def state_of(status: str, waiting: str, finished: Iterable[str]) -> str:
    if status == waiting:
        return PAUSED
    return STOPPED if status in finished else RUNNING


def run_clock(
    calendar: Calendar,
    start: datetime,
    states: Iterable[tuple[datetime, str]],
    first_response_at: datetime | None,
    targets: Targets,
) -> Clock:
    """Replay ``states`` — (when, RUNNING/PAUSED/STOPPED) in time order, after ``start`` —
    against ``targets``."""
    state, since = RUNNING, start
    used = paused = ZERO
    reached: datetime | None = None
    missed = False
    stopped_at: datetime | None = None
    for at, new in states:
        at = max(at, since)
        if new == state:
            continue
        span = between(calendar, since, at)
        if state == RUNNING:
            if reached is None and used + span > targets.resolution:
                reached, missed = add(calendar, since, targets.resolution - used), True
            used += span
        else:
            paused += span
        state, since = new, at
        stopped_at = at if new == STOPPED else None
    if state == RUNNING and reached is None:
        reached = add(calendar, since, max(targets.resolution - used, ZERO))
    fr_due = add(calendar, start, targets.first_response)
    fr_end = first_response_at or stopped_at
    missed = missed or (fr_end is not None and fr_end > fr_due)
    return Clock(
        first_response_due=fr_due,
        first_response_at=first_response_at,
        resolution_due=reached if (state == RUNNING or missed) else None,
        used=used,
        paused=paused,
        state=state,
        since=since,
        breached=missed,
    )
