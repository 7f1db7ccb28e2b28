"""In-app notifications: the model, adding one (planning's publish does), the /notifications
pages and the navbar's unread count."""

from dispatch.notifications.views import bp  # noqa: F401
