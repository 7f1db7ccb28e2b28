"""The calendar a ticket's clock counts in: its site's opening hours, time zone, public holidays
of the site's country (the ``holidays`` package) and the company's closure days — or 24×7."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.sites.holidays import public_holidays
from dispatch.sites.models import WEEKDAYS_DEFAULT, Site
from dispatch.sla.clock import Calendar, day_hours
from dispatch.sla.models import ClosureDay

#: Hours for a ticket that has no site: Monday to Friday, 08:00–17:00.
NO_SITE_HOURS = (time(8), time(17), WEEKDAYS_DEFAULT)


class ClosedDays:
    """A country's public holidays and the company's closure days, as one container."""

    def __init__(self, public: Container[date], company: frozenset[date]) -> None:
        self.public, self.company = public, company

    def __contains__(self, day: object) -> bool:
        return day in self.company or day in self.public


def closure_days() -> frozenset[date]:
    return frozenset(db.session.scalars(select(ClosureDay.day)))


def site_calendar(site: Site | None, closed: frozenset[date], zone: str) -> Calendar:
    """The business calendar of ``site`` (``zone`` and office hours for no site)."""
    if site is None:
        opens, closes, weekdays = NO_SITE_HOURS
        country = ""
    else:
        opens, closes, weekdays, zone = (
            site.opens_at,
            site.closes_at,
            site.open_weekdays,
            site.timezone,
        )
        country = site.country
    hours = day_hours(opens, closes)
    week = tuple(hours if str(day) in weekdays else () for day in range(7))
    if not any(week):  # a site open on no weekday has no business hours to count in
        return Calendar.around_the_clock()
    return Calendar(
        zone=ZoneInfo(zone), week=week, closed=ClosedDays(public_holidays(country), closed)
    )
