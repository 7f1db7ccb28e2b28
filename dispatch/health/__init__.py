"""Health endpoints for load balancers and orchestrators: /healthz (the process answers) and
/readyz (the database and the configured Redis servers answer)."""

from dispatch.health.views import bp  # noqa: F401
