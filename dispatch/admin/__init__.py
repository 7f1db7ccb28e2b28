from dispatch.admin.views import bp  # noqa: F401
