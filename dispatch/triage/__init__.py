from dispatch.triage.views import bp  # noqa: F401
