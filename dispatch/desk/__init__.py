from dispatch.desk.views import bp  # noqa: F401
