"""The technician's day (/my-day): their ordered visits, the steps of each (on the way,
arrived, done) and a private calendar feed."""

from dispatch.my_day.views import bp  # noqa: F401
