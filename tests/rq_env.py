"""A periodic chain's RQ queue for a test (the mail fetch's, the directory sync's, the
maintenance visits'): a fresh queue on the throw-away Redis, its jobs run in the test's app."""

from __future__ import annotations

import uuid

from dispatch import worker
from dispatch.extensions import db


class RqQueue:
    def __init__(self, app, redis_url: str, monkeypatch, setting: str, prefix: str) -> None:
        from redis import Redis
        from rq import Queue

        self.conn = Redis.from_url(redis_url)
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        app.config.update({"RQ_REDIS_URL": redis_url, setting: name})
        monkeypatch.setattr(worker, "create_app", lambda: app)  # the job's app: the test's
        self.queue = Queue(name, connection=self.conn)

    def work(self) -> None:
        from rq import SimpleWorker

        SimpleWorker([self.queue], connection=self.conn).work(burst=True)
        db.session.expire_all()

    def scheduled(self) -> list[str]:
        from rq.registry import ScheduledJobRegistry

        return ScheduledJobRegistry(queue=self.queue).get_job_ids()

    def close(self) -> None:
        self.conn.close()
