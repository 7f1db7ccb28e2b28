"""Site locations (/sites): dispatchers and administrators see which sites need a point,
look an address up, or place a site by dragging its marker. Everyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.auth.services import roles_required
from dispatch.collation import name_order
from dispatch.errors import ValidationError
from dispatch.extensions import db, limiter
from dispatch.people.models import Role, User
from dispatch.sites import geocoding
from dispatch.sites.forms import PointForm
from dispatch.sites.models import Site

bp = Blueprint("sites", __name__)


@bp.before_request
@roles_required(Role.DISPATCHER, Role.ADMIN)
def _dispatchers_and_admins() -> None:
    """Guards every /sites URL at once."""


def locate_after_save(site: Site, wanted: bool, actor: User) -> None:
    """Called by the admin site form once the site is saved: find the point if it has none."""
    if wanted:
        geocoding.flash_lookup(geocoding.locate_if_missing(site, actor))


def _geocode_limit() -> str:
    return current_app.config.get("GEOCODE_RATE_LIMIT", "30 per minute")


@bp.get("/")
def index():
    sites = db.session.scalars(
        select(Site).where(Site.active).order_by(name_order(Site.name))
    ).all()
    missing = [s for s in sites if not s.has_location]
    return render_template("sites/index.html", sites=sites, missing=missing)


@bp.route("/<int:site_id>/location", methods=["GET", "POST"])
def location(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = PointForm(obj=site)
    if form.validate_on_submit():
        try:
            geocoding.set_site_point(
                site, current_user, latitude=form.latitude.data, longitude=form.longitude.data
            )
        except ValidationError as exc:
            for name, messages in exc.errors.items():
                form[name].errors = list(form[name].errors) + list(messages)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".location", site_id=site.id))
    return render_template(
        "sites/location.html", site=site, form=form, address=geocoding.site_address(site)
    )


@bp.post("/<int:site_id>/geocode")
@limiter.limit(_geocode_limit)
def geocode(site_id: int):
    site = db.get_or_404(Site, site_id)
    geocoding.flash_lookup(geocoding.locate_site(site, current_user))
    return redirect(url_for(".location", site_id=site.id))
