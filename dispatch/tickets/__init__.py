from dispatch.tickets.views import bp  # noqa: F401
