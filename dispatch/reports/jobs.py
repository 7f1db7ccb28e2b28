"""The monthly summary on RQ: ``flask reports schedule`` (``--stop`` ends it) runs
:func:`dispatch.reports.summary.send_monthly` every ``REPORT_SUMMARY_INTERVAL`` seconds, one
chain of :mod:`dispatch.periodic` on the queue ``RQ_MAIL_QUEUE``. Most runs find the month's
summary sent and do nothing; the month's row keeps it to one mailing."""

from __future__ import annotations

from dispatch.periodic import Periodic
from dispatch.reports.summary import send_monthly
from dispatch.types import utcnow

SUMMARY = Periodic(
    "report-summary",
    "dispatch.worker.mail_report_summary",
    "monthly report summary",
    "flask reports schedule",
)


def summary_once() -> dict:
    """One run in the current app; what it did, for RQ's record of the job."""
    result = send_monthly(utcnow())
    return {"month": result.month, "recipients": result.recipients, "already": result.already}
