from dispatch.auth.views import bp  # noqa: F401
