"""Mail delivery on RQ (``MAIL_DELIVERY=rq``, the default when ``RQ_REDIS_URL`` is set).

A commit that adds outbox rows queues one send job on ``RQ_MAIL_QUEUE``; a worker of that queue
renders and sends every due row (the outbox claim makes any number of senders safe). Two rules
keep the queue short and nothing waiting for ever:

* at most one send job waits at a time: queuing claims a Redis key (``SET NX``), which the job
  gives back before it reads the outbox, so a commit made while a job runs queues the next one
  and none made before it is missed;
* the job first gathers: it keeps the claim ``MAIL_SEND_GATHER_SECONDS`` (half a second) before
  giving it back, so that the commits of that moment ride along instead of each queuing a job
  of its own. Under load that is the difference between one job per message — RQ's own work
  for a job (its states and registries in Redis) cost four times the sending of a message — and
  one job for dozens; a message leaves at most that much later;
* a job that leaves rows to retry later (a server that refused, backoff) schedules one run at
  the earliest retry, with an id made from that time, so that jobs which find the same retry
  time schedule it once (the workers need ``--with-scheduler``).

With Redis down the row stays in the outbox: the next commit's job, the periodic mail turn
(``flask mail schedule``) or ``flask mail send`` sends it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger("dispatch.mail")
JOB = "dispatch.worker.send_mail"
QUEUED_TTL = 600  # a job lost with its worker frees the claim after this many seconds
REDIS_TIMEOUT = 2  # seconds: a commit never waits longer on a Redis that does not answer
RESULT_TTL = 600
FAILURE_TTL = 24 * 3600


def queued_key(queue: str) -> str:
    return f"dispatch:mail-send:{queue}:queued"


def retry_job_id(queue: str, due: datetime) -> str:
    return f"dispatch-mail-send-{queue}-at-{int(due.timestamp())}"


_clients: dict[str, Redis] = {}


def _client(url: str) -> Redis:
    """One client per process and URL, whose pool keeps its connections: every commit that
    adds mail asks Redis, and opening a connection each time (the TCP handshake and the
    client's greeting) cost more than the question. The pool opens anew in a forked process."""
    from redis import Redis

    client = _clients.get(url)
    if client is None:
        client = _clients[url] = Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
    return client


def enqueue(app: Flask) -> bool:
    """Queue a send job unless one is already waiting; True when this call queued it."""
    from rq import Queue

    name = app.config["RQ_MAIL_QUEUE"]
    conn = _client(app.config["RQ_REDIS_URL"])
    if not conn.set(queued_key(name), "1", nx=True, ex=QUEUED_TTL):
        return False
    try:
        Queue(name, connection=conn).enqueue(
            JOB, result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, description="mail send"
        )
    except Exception:
        conn.delete(queued_key(name))  # the next commit may try again
        raise
    return True


def send_turn(deliver: Callable[[], tuple[int, datetime | None]], gather: float = 0) -> dict:
    """One run of the send job (inside it): gather for ``gather`` seconds, give back the claim,
    send, plan the next retry.

    ``deliver`` sends what is due and returns how many rows it handled and the earliest time a
    row left in the outbox is due again (None: nothing waits)."""
    from rq import Queue, get_current_job

    job = get_current_job()
    queue = Queue(job.origin, connection=job.connection)
    if gather > 0:
        time.sleep(gather)  # commits meanwhile see the claim held and queue nothing
    queue.connection.delete(queued_key(queue.name))
    handled, retry_at = deliver()
    if retry_at is not None:
        queue.enqueue_at(
            retry_at,
            JOB,
            job_id=retry_job_id(queue.name, retry_at),
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description="mail send (retry)",
        )
    return {
        "status": "sent",
        "handled": handled,
        "retry_at": retry_at.isoformat() if retry_at else None,
    }
