from dispatch.api import (
    asset_views,  # noqa: F401  (its routes join the blueprint)
    report_views,  # noqa: E402, F401  (routes on the same blueprint)
)
from dispatch.api.views import bp  # noqa: F401
