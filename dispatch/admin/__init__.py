"""Administration: users, groups, sites, catalog (/admin), and site locations (/sites)."""

from dispatch.admin import (  # noqa: F401  (their routes join the blueprint)
    catalog_views,
    directory_views,
    events_views,
    people_import_views,
    report_access_views,
    service_level_views,
    sign_in_views,
    views,
)
from dispatch.admin.pages import bp  # noqa: F401
