from dispatch.api.views import bp  # noqa: F401
