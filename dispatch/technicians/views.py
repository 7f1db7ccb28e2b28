"""Technicians' schedules (/technicians): home base, weekly hours and lunch, days off.
Dispatchers and administrators only; everyone else gets 404."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from dispatch.auth.services import roles_required
from dispatch.errors import ValidationError
from dispatch.people.models import Role
from dispatch.sites.geocoding import flash_lookup
from dispatch.technicians import services
from dispatch.technicians.forms import WEEKDAY_NAMES, DayOffForm, HomeForm, WeekForm, show_errors
from dispatch.technicians.shifts import zone_of

bp = Blueprint("technicians", __name__)


@bp.before_request
@roles_required(Role.DISPATCHER, Role.ADMIN)
def _dispatchers_and_admins() -> None:
    """Guards every /technicians URL at once."""


@bp.get("/")
def index():
    techs = services.technicians(include_inactive=True)
    today = dt.date.today()
    return render_template(
        "technicians/index.html",
        techs=techs,
        week_of=services.week_of,
        days_off=lambda u: services.days_off_of(u, since=today),
        profile_of=services.profile_of,
        weekday_names=WEEKDAY_NAMES,
    )


def _page(user, home=None, week=None, off=None, status=200):
    profile = services.profile_of(user)
    home = home or HomeForm(obj=profile, formdata=None)
    week = week or WeekForm.for_week(services.week_of(user))
    off = off or DayOffForm(formdata=None)
    return render_template(
        "technicians/schedule.html",
        tech=user,
        home=home,
        week=week,
        off=off,
        days_off=services.days_off_of(user, since=dt.date.today() - dt.timedelta(days=7)),
        timezone=zone_of(user),
        weekday_names=WEEKDAY_NAMES,
    ), status


def _save(form, slot: str, user, call):
    """Parse, call the service; on bad input the page again, with that form's errors."""
    if form.validate_on_submit():
        try:
            return call(user, form), None
        except ValidationError as exc:
            for message in show_errors(form, exc.errors):
                flash(message, "danger")
    return None, _page(user, status=400, **{slot: form})


@bp.get("/<int:user_id>")
def schedule(user_id: int):
    return _page(services.get_technician(user_id))


@bp.post("/<int:user_id>/home")
def save_home(user_id: int):
    user = services.get_technician(user_id)
    saved, page = _save(
        HomeForm(), "home", user, lambda u, f: [services.save_home(u, **f.values())]
    )
    if page:
        return page
    flash(_("Saved."), "success")
    flash_lookup(saved[0])
    return redirect(url_for(".schedule", user_id=user.id))


@bp.post("/<int:user_id>/hours")
def save_hours(user_id: int):
    user = services.get_technician(user_id)
    saved, page = _save(WeekForm(), "week", user, lambda u, f: services.save_week(u, f.values()))
    if page:
        return page
    flash(_("Working hours saved."), "success")
    return redirect(url_for(".schedule", user_id=user.id))


@bp.post("/<int:user_id>/days-off")
def add_day_off(user_id: int):
    user = services.get_technician(user_id)
    saved, page = _save(
        DayOffForm(), "off", user, lambda u, f: services.add_days_off(u, **f.values())
    )
    if page:
        return page
    flash(_("Day off saved."), "success")
    return redirect(url_for(".schedule", user_id=user.id))


@bp.post("/<int:user_id>/days-off/<int:day_off_id>/delete")
def remove_day_off(user_id: int, day_off_id: int):
    services.remove_day_off(services.get_technician(user_id), day_off_id)
    flash(_("Day off removed."), "success")
    return redirect(url_for(".schedule", user_id=user_id))
