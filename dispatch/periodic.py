"""Jobs that run every so many seconds on RQ, one chain per kind of job and queue: the mail
fetch (``flask mail schedule``), the directory's sync (``flask directory schedule``).

Each run first schedules the next one (``Queue.enqueue_at``, so the workers must run with
``--with-scheduler``), then does its work once. Three guards keep a chain single, whatever the
number of workers, schedulers or ``schedule`` commands:

* the switch: a Redis key holding the interval. ``schedule`` sets it, ``--stop`` deletes it (and
  the pending run); a run that finds no switch does nothing and schedules nothing;
* one job per time slot: the next run is due at the start of the next slot (``interval``
  seconds wide, counted from the epoch) and whoever schedules it first claims the slot with
  ``SET NX``; a second chain, a second ``schedule`` or a late run only meets a claimed slot, so
  scheduled jobs never pile up and parallel chains merge into one;
* the lock: ``SET NX`` with an expiry longer than the job's timeout, released only by its
  owner; a run that finds it taken (a slow run still going on) skips its turn.

A failed run fails its job, visibly in RQ, after the next run was already scheduled: the chain
goes on.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

log = logging.getLogger("dispatch.periodic")
# The clock that picks slots: a module attribute so that a test can hold a minute still rather
# than race its boundary on a loaded machine.
clock = time.time
FAILURE_TTL = 24 * 3600  # a failed run stays visible in RQ for a day
# Compare-and-delete: only the holder of the lock releases it.
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class Schedule:
    queue: str
    interval: int | None  # None: stopped
    pending: list[tuple[str, datetime | None]]  # job id, due time (None: queued now)


def connection():
    """The Redis of RQ_REDIS_URL (raises RuntimeError when it is not set)."""
    from redis import Redis

    url = current_app.config.get("RQ_REDIS_URL")
    if not url:
        raise RuntimeError("RQ_REDIS_URL is not set: a scheduled job needs RQ on Redis")
    return Redis.from_url(url)


def _queue(conn, name: str):
    from rq import Queue

    return Queue(name, connection=conn)


@dataclass(frozen=True)
class Periodic:
    """One kind of periodic job: ``name`` scopes its Redis keys and job ids, ``job`` is the
    dotted path of the RQ job, ``label`` names it in logs and RQ, ``command`` switches it."""

    name: str
    job: str
    label: str
    command: str

    def job_prefix(self, queue: str) -> str:
        """Job ids name their queue (RQ allows letters, digits, _ and - in them)."""
        return f"dispatch-{self.name}-" + re.sub(r"[^A-Za-z0-9_-]", "_", queue) + "-"

    def keys(self, queue: str) -> tuple[str, str, str]:
        """The Redis keys of the chain on ``queue``: its switch, its lock, its slot prefix."""
        base = f"dispatch:{self.name}:{queue}:"
        return base + "switch", base + "lock", base + "slot:"

    def _job_timeout(self, conn, queue: str) -> int:
        return int(conn.hget(self.keys(queue)[0] + ":opts", "timeout") or 600)

    def _schedule_slot(self, queue, interval: int, slot: int, *, now: bool = False):
        """Schedule the run of ``slot`` unless someone did already; the job, or None."""
        conn = queue.connection
        slots = self.keys(queue.name)[2]
        if not conn.set(f"{slots}{slot}", "1", nx=True, ex=3 * interval + 60):
            return None
        options = dict(
            job_id=f"{self.job_prefix(queue.name)}{slot}",
            job_timeout=self._job_timeout(conn, queue.name),
            result_ttl=max(600, 2 * interval),
            failure_ttl=FAILURE_TTL,
            description=f"{self.label} (every {interval} s)",
        )
        if now:
            return queue.enqueue(self.job, **options)
        due = datetime.fromtimestamp(slot * interval, UTC)
        return queue.enqueue_at(due, self.job, **options)

    def start(self, conn, queue_name: str, interval: int, timeout: int = 600) -> str | None:
        """Switch the chain on; the id of the first run, or None when one is pending."""
        if interval < 1:
            raise ValueError("the interval is at least one second")
        switch = self.keys(queue_name)[0]
        conn.set(switch, int(interval))
        conn.hset(switch + ":opts", mapping={"timeout": int(timeout)})
        if self.status(conn, queue_name).pending:
            return None
        self._clear_slots(conn, queue_name)  # claims left by a chain that broke off
        slot = int(clock() // interval)
        job = self._schedule_slot(_queue(conn, queue_name), interval, slot, now=True)
        return job.id if job is not None else None

    def stop(self, conn, queue_name: str) -> int:
        """Switch it off and cancel the pending runs (a run under way finishes); how many were
        cancelled."""
        from rq.job import Job
        from rq.registry import ScheduledJobRegistry

        switch = self.keys(queue_name)[0]
        conn.delete(switch, switch + ":opts")
        queue = _queue(conn, queue_name)
        registry = ScheduledJobRegistry(queue=queue)
        cancelled = 0
        for job_id in self._pending_ids(queue):
            registry.remove(job_id)
            queue.remove(job_id)
            if Job.exists(job_id, connection=conn):
                Job.fetch(job_id, connection=conn).delete()
            cancelled += 1
        self._clear_slots(conn, queue_name)  # a new start in the same slot must claim it
        return cancelled

    def _clear_slots(self, conn, queue_name: str) -> None:
        for key in conn.scan_iter(match=f"{self.keys(queue_name)[2]}*", count=100):
            conn.delete(key)

    def _pending_ids(self, queue) -> list[str]:
        from rq.registry import ScheduledJobRegistry

        scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
        mine = self.job_prefix(queue.name)
        return [i for i in list(scheduled) + list(queue.get_job_ids()) if i.startswith(mine)]

    def status(self, conn, queue_name: str) -> Schedule:
        from rq.registry import ScheduledJobRegistry

        queue = _queue(conn, queue_name)
        raw = conn.get(self.keys(queue_name)[0])
        registry = ScheduledJobRegistry(queue=queue)
        pending = []
        for job_id in self._pending_ids(queue):
            try:
                due = registry.get_scheduled_time(job_id)
            except Exception:  # not in the registry: waiting in the queue itself
                due = None
            pending.append((job_id, due))
        return Schedule(queue_name, int(raw) if raw else None, pending)

    def turn(self, work: Callable[[], dict]) -> dict:
        """One run of the RQ job (inside it): schedule the next run, then call ``work`` under
        the lock."""
        from rq import get_current_job

        job = get_current_job()
        queue = _queue(job.connection, job.origin)
        conn = queue.connection
        switch, lock, _slots = self.keys(queue.name)
        raw = conn.get(switch)
        if not raw:
            log.info("%s: switched off (%s); not running", self.label, self.command)
            return {"status": "stopped"}
        interval = int(raw)
        self._schedule_slot(queue, interval, int(clock() // interval) + 1)
        token = secrets.token_hex(16)
        # Held as long as RQ lets this very run go on (its own timeout, which a later
        # `schedule` may have made longer than the one now configured), so that no second
        # run starts.
        hold = int(max(job.timeout or 0, self._job_timeout(conn, queue.name))) + 60
        if not conn.set(lock, token, nx=True, ex=hold):
            log.info("%s: another run is still going on; skipping this turn", self.label)
            return {"status": "skipped"}
        try:
            return work()
        finally:
            conn.eval(_RELEASE, 1, lock, token)
