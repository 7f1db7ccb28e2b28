"""Where a ticket stands against its service level, for the pages and the API: the ticket
page's full account (replayed from the record) and the lists' "due in" (from the columns, with
no query per row)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from dispatch.extensions import db
from dispatch.sla.calendars import closure_days, site_calendar
from dispatch.sla.clock import Calendar, between
from dispatch.sla.models import SlaPolicy
from dispatch.sla.policies import Match, choose
from dispatch.sla.run import Clock
from dispatch.sla.tracking import replay
from dispatch.tickets.models import Ticket


@dataclass(frozen=True)
class Standing:
    """A ticket's service level now: the policy and why, both targets, time used and paused."""

    match: Match
    clock: Clock
    used: timedelta
    paused: timedelta
    first_response_left: timedelta | None  # business time; negative: overdue; None: answered
    resolution_left: timedelta | None  # None: paused, or finished in time

    @property
    def policy(self) -> SlaPolicy:
        return self.match.policy


class Calendars:
    """The calendars of the tickets of one page or one run: each site's built once, the
    closure days read once."""

    def __init__(self) -> None:
        self._closed: frozenset[date] | None = None
        self._sites: dict[int | None, Calendar] = {}
        self.zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")

    def closed(self) -> frozenset[date]:
        if self._closed is None:
            self._closed = closure_days()
        return self._closed

    def of(self, ticket: Ticket, policy: SlaPolicy | None) -> Calendar:
        if policy is not None and policy.around_the_clock:
            return Calendar.around_the_clock()
        if ticket.site_id not in self._sites:
            self._sites[ticket.site_id] = site_calendar(ticket.site, self.closed(), self.zone)
        return self._sites[ticket.site_id]


def active_policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).where(SlaPolicy.active)))


def standing(ticket: Ticket, now: datetime) -> Standing | None:
    """The ticket's service level now (None when no policy applies)."""
    match = choose(active_policies(), ticket)
    if match is None:
        return None
    calendar = Calendars().of(ticket, match.policy)
    clock = replay(ticket, match, calendar)
    fr_left = None
    if clock.first_response_at is None and clock.state != "stopped":
        fr_left = between(calendar, now, clock.first_response_due)
    res_left = None
    if clock.resolution_due is not None and clock.state == "running":
        res_left = between(calendar, now, clock.resolution_due)
    return Standing(
        match=match,
        clock=clock,
        used=clock.used_at(calendar, now),
        paused=clock.paused_at(calendar, now),
        first_response_left=fr_left,
        resolution_left=res_left,
    )


def due_left(tickets: Iterable[Ticket], now: datetime) -> dict[int, timedelta]:
    """Business time left until each ticket's next deadline (negative: overdue), for the
    tickets that have one; two queries whatever the number of tickets."""
    tickets = [t for t in tickets if t.sla_due_at is not None]
    if not tickets:
        return {}
    policies = {p.id: p for p in db.session.scalars(select(SlaPolicy))}
    calendars = Calendars()
    return {
        t.id: between(calendars.of(t, policies.get(t.sla_policy_id)), now, t.sla_due_at)
        for t in tickets
    }


def breached_clause(now: datetime):
    """Tickets that missed a service-level deadline, or whose next one has passed."""
    return or_(Ticket.sla_breached, Ticket.sla_due_at <= now)


class Summaries:
    """Tickets' service levels as the API gives them, from the columns: the policies read
    once, each calendar built once, whatever the number of tickets."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._policies: dict[int, SlaPolicy] | None = None
        self._calendars: Calendars | None = None

    def policy(self, policy_id: int | None) -> SlaPolicy | None:
        if policy_id is None:
            return None
        if self._policies is None:
            self._policies = {p.id: p for p in db.session.scalars(select(SlaPolicy))}
        return self._policies.get(policy_id)

    def of(self, ticket: Ticket) -> dict | None:
        """{policy, first_response_due, resolution_due, paused_seconds, breached}; None when
        no policy applies."""
        policy = self.policy(ticket.sla_policy_id)
        if policy is None:
            return None
        paused = ticket.sla_paused_seconds or 0
        if ticket.sla_paused_since is not None:  # the pause under way counts too
            self._calendars = self._calendars or Calendars()
            calendar = self._calendars.of(ticket, policy)
            paused += int(between(calendar, ticket.sla_paused_since, self.now).total_seconds())
        overdue = ticket.sla_due_at is not None and ticket.sla_due_at <= self.now
        return {
            "policy": policy,
            "first_response_due": ticket.sla_first_response_due,
            "resolution_due": ticket.sla_resolution_due,
            "paused_seconds": paused,
            "breached": bool(ticket.sla_breached or overdue),
        }
