"""Fetching mail on RQ every few seconds: ``flask mail schedule`` (``--stop`` ends it), one
chain of :mod:`dispatch.periodic` on the queue ``RQ_MAIL_QUEUE``.

A failed fetch (mailbox unreachable, database down) fails its job, visibly in RQ, after the
next run was already scheduled: the chain goes on. Messages are safe either way, since a fetch
marks each message only after it is stored.
"""

from __future__ import annotations

from dispatch.periodic import Periodic, Schedule, connection

FETCH = Periodic("mail-fetch", "dispatch.worker.fetch_mail", "mail fetch", "flask mail schedule")
JOB = FETCH.job
keys, job_prefix = FETCH.keys, FETCH.job_prefix
start, stop, status, fetch_turn = FETCH.start, FETCH.stop, FETCH.status, FETCH.turn

__all__ = ["JOB", "Schedule", "connection", "fetch_turn", "job_prefix", "keys"]
__all__ += ["start", "status", "stop"]
