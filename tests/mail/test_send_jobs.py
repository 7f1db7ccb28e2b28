"""Mail delivery on RQ: a commit queues one send job, a worker sends, a failure schedules its
retry once; with Redis down the change commits and the message waits in the outbox. Against a
real Redis and a real SMTP server (the ``rq`` and ``smtp_server`` fixtures)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from dispatch import worker
from dispatch.extensions import db
from dispatch.mail import outbound, send_jobs
from dispatch.mail.models import Outbound, OutboxMessage
from dispatch.mail.outbound import delivery_mode


def _rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _send_jobs_queued(rq) -> list[str]:
    return [j.func_name for j in rq.queue.get_jobs()]


def test_rq_is_the_default_delivery_when_redis_is_configured(make_app):
    def production(**settings):
        return make_app(TESTING=False, MAIL_OPEN_INTAKE=True, **settings)

    assert delivery_mode(production(RQ_REDIS_URL="redis://127.0.0.1:1/0")) == "rq"
    assert delivery_mode(production()) == "thread"
    assert delivery_mode(production(MAIL_DELIVERY="manual")) == "manual"


def test_commits_queue_one_send_job_which_sends_everything_due(app, rq, smtp_server, make_ticket):
    app.config["MAIL_DELIVERY"] = "rq"
    first = make_ticket()
    assert _send_jobs_queued(rq) == [send_jobs.JOB]
    second = make_ticket()  # a job already waits: it will find this row too
    assert _send_jobs_queued(rq) == [send_jobs.JOB]
    assert [r.status for r in _rows()] == [Outbound.PENDING, Outbound.PENDING]

    rq.work()
    assert [r.status for r in _rows()] == [Outbound.SENT, Outbound.SENT]
    sent = b" ".join(content for _sender, _to, content in smtp_server.messages)
    assert first.number.encode() in sent and second.number.encode() in sent
    assert [r["handled"] for r in rq.results()] == [2]
    assert rq.scheduled() == []  # nothing left to retry
    # the job gave the claim back: the next commit queues a new one
    make_ticket()
    assert _send_jobs_queued(rq) == [send_jobs.JOB]


def test_commits_while_the_job_gathers_ride_along(app, rq, smtp_server, make_ticket, monkeypatch):
    """Under load each commit would queue a job of its own the moment the last one started;
    the job holds the claim while it gathers, so those commits queue nothing and it sends
    their messages too."""
    app.config.update(MAIL_DELIVERY="rq", MAIL_SEND_GATHER_SECONDS=0.5)
    make_ticket()
    made, waited = [], []

    def gathering(seconds):  # the other requests' commits, made while the job gathers
        waited.append(seconds)
        made.extend([make_ticket(), make_ticket()])
        assert _send_jobs_queued(rq) == []  # the claim is held: they queued nothing

    monkeypatch.setattr(send_jobs.time, "sleep", gathering)
    rq.work()
    assert waited == [0.5]
    assert [r.status for r in _rows()] == [Outbound.SENT] * 3
    assert [r["handled"] for r in rq.results()] == [3]  # one job for the three
    assert _send_jobs_queued(rq) == []
    make_ticket()  # the claim was given back: the next commit queues the next job
    assert _send_jobs_queued(rq) == [send_jobs.JOB]


def test_a_refused_message_is_retried_once_at_its_time(
    app, rq, smtp_server, make_ticket, monkeypatch
):
    app.config["MAIL_DELIVERY"] = "rq"
    # A retry an hour away: the second job below must find the row not yet due, however slow
    # the machine is between the two (the first real backoff is 30 s).
    monkeypatch.setattr(outbound, "BACKOFF_SECONDS", (3600, 7200))
    smtp_server.refuse = True
    make_ticket()
    rq.work()
    [row] = _rows()
    assert row.status == Outbound.PENDING and row.attempts == 1
    due = row.next_attempt_at.replace(tzinfo=UTC)
    assert rq.scheduled() == [send_jobs.retry_job_id(rq.queue.name, due)]
    # a second send job that finds the same retry time schedules nothing more
    rq.queue.enqueue(send_jobs.JOB)
    rq.work()
    assert rq.scheduled() == [send_jobs.retry_job_id(rq.queue.name, due)]

    smtp_server.refuse = False
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    rq.queue.enqueue(send_jobs.JOB)  # what the scheduler does at the retry's time
    rq.work()
    assert [r.status for r in _rows()] == [Outbound.SENT]
    assert len(smtp_server.messages) == 1


def test_redis_down_commits_the_change_and_the_next_turn_sends(
    app, rq, smtp_server, make_ticket, closed_port, caplog
):
    app.config.update(MAIL_DELIVERY="rq", RQ_REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")
    with caplog.at_level(logging.ERROR, logger="dispatch.mail"):
        ticket = make_ticket()
    assert ticket.id is not None  # the change is committed whatever Redis says
    assert [r.status for r in _rows()] == [Outbound.PENDING]
    assert "waits in the outbox" in caplog.text
    assert smtp_server.messages == []

    # the periodic mail turn (flask mail schedule) with no mailbox to fetch sends what waits
    app.config.update(MAIL_SEND_AFTER_FETCH=True, MAIL_IMAP_HOST=None)
    result = worker.fetch_mail_once(app)
    assert result == {"status": "sent", "seen": 0, "outcomes": {}, "handled": 1}
    assert [r.status for r in _rows()] == [Outbound.SENT]
    assert len(smtp_server.messages) == 1


def test_commits_reuse_one_connection_to_redis(app, rq, make_ticket, monkeypatch):
    """Every commit that adds mail asks Redis whether a send job waits: over a connection the
    process keeps, not one opened (handshake, greeting) each time."""
    from redis.connection import Connection

    opened = []
    real = Connection._connect  # the socket's connect, spied on (Redis itself answers)
    monkeypatch.setattr(Connection, "_connect", lambda self: (opened.append(1), real(self))[1])
    app.config["MAIL_DELIVERY"] = "rq"
    for _ in range(3):
        make_ticket()
    assert len(opened) <= 1, opened
    assert _send_jobs_queued(rq) == [send_jobs.JOB]  # the first queued it; the others saw it
