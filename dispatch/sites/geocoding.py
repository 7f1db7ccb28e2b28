"""Finding and correcting where sites are: the geocoding cache and its use cases.

Addresses are looked up through dispatch.geo and every answer is kept in the database, so a
site saved twice, or a demo loaded on a machine with no network, asks the provider once at most.
When the provider cannot be reached the address is kept and the point stays empty: the site is
listed as "needs a location" until someone looks it up again or places it on the map.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app, flash
from flask_babel import gettext as _
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from dispatch import geo
from dispatch.audit.record import record_admin_event
from dispatch.collation import name_order
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.sites.models import Site
from dispatch.types import UTCDateTime, utcnow

QUERY_MAX = 300


class GeocodeCache(db.Model):
    """One provider's answer for one (normalised) address; a miss has no point."""

    __tablename__ = "geocode_cache"
    __table_args__ = (UniqueConstraint("provider", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    display_name: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def found(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def normalise(address: str) -> str:
    """The cache key of an address: case, spacing and comma placement do not matter."""
    text = unicodedata.normalize("NFKC", address or "").casefold()
    parts = (" ".join(p.split()) for p in text.split(","))
    return ", ".join(p for p in parts if p)[:QUERY_MAX]


class Outcome(StrEnum):
    LOCATED = "located"
    NOT_FOUND = "not_found"
    UNREACHABLE = "unreachable"
    NO_ADDRESS = "no_address"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    found: geo.Found | None = None
    cached: bool = False

    def message(self) -> str:
        """What to tell the person who saved the address."""
        return {
            Outcome.LOCATED: _(
                "Located: %(place)s.", place=self.found.display_name if self.found else ""
            ),
            Outcome.NOT_FOUND: _(
                "The address was saved, but no place matches it. Check the "
                "address, or place the point on the map."
            ),
            Outcome.UNREACHABLE: _(
                "The address was saved, but the geocoder cannot be reached "
                "right now. Enter the point or pick it on the map, or try "
                "again later."
            ),
            Outcome.NO_ADDRESS: _("Enter an address first."),
            Outcome.DISABLED: _(
                "Address look-up is switched off: enter the point or pick it on the map."
            ),
        }[self.outcome]


def lookup(address: str) -> Lookup:
    """Find an address: from the cache, else from the configured provider (the new answer is
    added to the session and committed by the caller's use case)."""
    query = normalise(address)
    if not query:
        return Lookup(Outcome.NO_ADDRESS)
    settings = geo.settings_from_config(current_app.config)
    if settings is None:
        return Lookup(Outcome.DISABLED)
    row = db.session.scalar(select(GeocodeCache).filter_by(provider=settings.service, query=query))
    miss_days = current_app.config.get("GEOCODE_CACHE_MISS_DAYS", 7)
    if row is not None and (row.found or row.created_at > utcnow() - timedelta(days=miss_days)):
        if not row.found:
            return Lookup(Outcome.NOT_FOUND, cached=True)
        found = geo.Found(row.latitude, row.longitude, row.display_name, row.provider)
        return Lookup(Outcome.LOCATED, found, cached=True)
    try:
        found = geo.geocode(address, settings)
    except geo.GeocoderUnreachable:
        return Lookup(Outcome.UNREACHABLE)
    if row is None:
        row = GeocodeCache(provider=settings.service, query=query)
        db.session.add(row)
    row.latitude = found.latitude if found else None
    row.longitude = found.longitude if found else None
    row.display_name = found.display_name if found else ""
    row.created_at = utcnow()
    return Lookup(Outcome.LOCATED if found else Outcome.NOT_FOUND, found)


def site_address(site: Site) -> str:
    return ", ".join(p for p in ((site.address or "").strip(), (site.city or "").strip()) if p)


def _point(site: Site) -> dict[str, float | None]:
    return {"latitude": site.latitude, "longitude": site.longitude}


def locate_site(site: Site, actor: Any) -> Lookup:
    """Look a site's address up and store the point found (one commit, on the record of
    administration as ``actor``'s). An address nobody can find, or a provider that does not
    answer, leaves the site as it was."""
    result = lookup(site_address(site))
    before = _point(site)

    def apply() -> None:
        if result.found is not None:
            site.latitude, site.longitude = result.found.latitude, result.found.longitude
            record_admin_event(actor, "changed", site, before, _point(site))

    apply()
    _commit_keeping(apply)
    return result


def locate_if_missing(site: Site, actor: Any) -> Lookup | None:
    """After a site is saved: look it up when it has an address but no point."""
    if site.has_location or not site_address(site):
        return None
    return locate_site(site, actor)


def _commit_keeping(reapply) -> None:
    """Commit; when the cache row lost a race with another request, drop it and redo the rest."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        reapply()
        db.session.commit()


def check_point(latitude: float | None, longitude: float | None) -> None:
    """A point placed by hand (site or job): both numbers in range, or neither (clears it)."""
    if (latitude is None) != (longitude is None):
        raise ValidationError(
            _("Enter both latitude and longitude, or neither."),
            field="longitude" if longitude is None else "latitude",
        )
    errors: dict[str, list[str]] = {}
    if latitude is not None and not geo.is_valid_point(latitude, 0):
        errors["latitude"] = [_("Latitude is between -90 and 90.")]
    if longitude is not None and not geo.is_valid_point(0, longitude):
        errors["longitude"] = [_("Longitude is between -180 and 180.")]
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, errors=errors)


def set_site_point(
    site: Site, actor: Any, *, latitude: float | None, longitude: float | None
) -> Site:
    """Place a site by hand (dragged marker or typed numbers); both empty clears the point.
    The move is on the record of administration as ``actor``'s."""
    check_point(latitude, longitude)
    before = _point(site)
    site.latitude, site.longitude = latitude, longitude
    record_admin_event(actor, "changed", site, before, _point(site))
    db.session.commit()
    return site


def sites_needing_location() -> list[Site]:
    return list(
        db.session.scalars(
            select(Site)
            .where(Site.active, (Site.latitude.is_(None)) | (Site.longitude.is_(None)))
            .order_by(name_order(Site.name))
        )
    )


FLASH_KIND = {
    Outcome.LOCATED: "success",
    Outcome.NOT_FOUND: "warning",
    Outcome.UNREACHABLE: "warning",
    Outcome.NO_ADDRESS: "warning",
    Outcome.DISABLED: "info",
}


def flash_lookup(result: Lookup | None) -> None:
    """Tell the user on the next page what a lookup found (nothing if none was made)."""
    if result is not None:
        flash(result.message(), FLASH_KIND[result.outcome])
