from dispatch.auth import sso_views  # noqa: F401  (its routes join the blueprint)
from dispatch.auth.views import bp  # noqa: F401
