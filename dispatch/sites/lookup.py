"""Finding a site by what people write for it: its name or its code, case and diacritics aside
("Brașov", "BRASOV", "brasov" and "BV" are one site)."""

from __future__ import annotations

from dispatch.collation import fold
from dispatch.extensions import db
from dispatch.sites.models import Site


def folded(text: str) -> str:
    """Case and diacritics set aside: "Brașov", "BRASOV" and "brasov" are one name."""
    return fold(text or "").strip()


def find_site(name: str) -> Site | None:
    """The active site named ``name`` or with that code, case and diacritics aside."""
    wanted = folded(name)
    if not wanted:
        return None
    for site in db.session.scalars(db.select(Site).where(Site.active.is_(True))):
        if wanted in (folded(site.name), folded(site.code or "")):
            return site
    return None
