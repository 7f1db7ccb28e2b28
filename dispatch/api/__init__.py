from dispatch.api import asset_views  # noqa: F401  (its routes join the blueprint)
from dispatch.api.views import bp  # noqa: F401
