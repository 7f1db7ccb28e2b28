from dispatch.api import report_views  # noqa: E402, F401  (routes on the same blueprint)
from dispatch.api.views import bp  # noqa: F401
