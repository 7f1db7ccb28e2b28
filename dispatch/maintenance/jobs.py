"""The visits made on RQ every ``MAINTENANCE_INTERVAL`` seconds: ``flask maintenance schedule``
(``--stop`` ends it), one chain of :mod:`dispatch.periodic` on ``RQ_MAINTENANCE_QUEUE``. The
runs may overlap with each other or with cron's ``flask maintenance generate``: each visit is
made once all the same (see :mod:`dispatch.maintenance.generate`)."""

from __future__ import annotations

from dispatch.periodic import Periodic

from .generate import generate

GENERATE = Periodic(
    "maintenance",
    "dispatch.worker.generate_maintenance",
    "maintenance visits",
    "flask maintenance schedule",
)


def generate_once() -> dict:
    """One run in the current app; what it did, for RQ's record of the job."""
    return {"status": "done", **generate().as_dict()}
