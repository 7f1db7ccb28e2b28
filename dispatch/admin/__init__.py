"""Administration: users, groups, sites, catalog (/admin), and site locations (/sites)."""

from dispatch.admin import catalog_views, events_views, views  # noqa: F401  (their routes join the blueprint)
from dispatch.admin.pages import bp  # noqa: F401
