"""Requests created and resolved per week, and the backlog at each week's end, by channel."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.reports.scope import Scope, done_at, in_period, week_of
from dispatch.tickets.models import Ticket


def _counts_by_week(scope: Scope, moment) -> dict[tuple[int, str], int]:
    week = week_of(moment, scope)
    query = (
        select(week, Ticket.channel, func.count())
        .where(in_period(moment, scope), *scope.ticket_filters())
        .group_by(week, Ticket.channel)
    )
    return {(w, channel): n for w, channel, n in db.session.execute(query)}


def _before(scope: Scope, moment) -> dict[str, int]:
    query = (
        select(Ticket.channel, func.count())
        .where(moment < scope.start, *scope.ticket_filters())
        .group_by(Ticket.channel)
    )
    return dict(db.session.execute(query).all())


def weekly(scope: Scope) -> list[dict[str, Any]]:
    """One row per week and channel: created, resolved, and the backlog (created and not yet
    finished) at the week's end. A reopened ticket counts as open until it is finished again."""
    created, finished = _counts_by_week(scope, Ticket.created_at), _counts_by_week(scope, done_at())
    open_before = defaultdict(int, _before(scope, Ticket.created_at))
    for channel, n in _before(scope, done_at()).items():
        open_before[channel] -= n
    channels = sorted({c for _, c in created} | {c for _, c in finished} | set(open_before))
    rows, backlog = [], dict(open_before)
    for index, week_start in enumerate(scope.week_starts()):
        for channel in channels:
            made, done = created.get((index, channel), 0), finished.get((index, channel), 0)
            backlog[channel] = backlog.get(channel, 0) + made - done
            rows.append(
                {
                    "week": week_start.date().isoformat(),
                    "channel": channel,
                    "created": made,
                    "resolved": done,
                    "backlog": backlog[channel],
                }
            )
    return rows
