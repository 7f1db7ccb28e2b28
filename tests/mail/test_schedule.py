"""`flask mail schedule`: the IMAP fetch as a self-rescheduling RQ job, against a real Redis
and the real Dovecot of the fetch tests (the ``rq`` fixture: a queue of each test's own)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from dispatch import periodic, worker
from dispatch.extensions import db
from dispatch.mail import jobs
from dispatch.tickets.models import Ticket
from dispatch.types import utcnow


@pytest.fixture
def one_minute(monkeypatch):
    """Runs on either side of a minute's start plan different next slots (both merge into one
    chain a minute later): tests that count scheduled jobs hold the slot clock inside one
    minute, however long a loaded machine takes between two runs."""
    held = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(periodic, "clock", lambda: held)


def _tickets() -> int:
    return db.session.scalar(db.select(db.func.count(Ticket.id)))


def test_schedule_fetches_then_plans_the_next_run_once(runner, rq, mailbox, mail):
    for i in range(2):
        mailbox.append(mail(subject=f"Scheduled problem {i}"))
    result = runner.invoke(args=["mail", "schedule", "--interval", "60"])
    assert result.exit_code == 0, result.output
    assert "every 60 s" in result.output and "queued now" in result.output
    assert rq.queue.count == 1

    before = utcnow()
    rq.work()
    after = utcnow()
    assert _tickets() == 2
    assert all(b"\\Seen" in f for f in mailbox.flags())
    assert [r["status"] for r in rq.results()] == ["fetched"]
    # the next run: one job, at the start of the minute after the one the fetch ran in (it ran
    # between `before` and `after`; a slow machine may have passed that minute since)
    (next_id,) = rq.scheduled()
    due = jobs.status(rq.connection, rq.queue.name).pending[0][1]
    assert due.second == 0 and due.microsecond == 0
    assert before < due <= after + timedelta(seconds=60)
    assert next_id.endswith(str(int(due.timestamp()) // 60))

    # starting again (a second operator, a deploy script) adds nothing
    again = runner.invoke(args=["mail", "schedule"])
    assert again.exit_code == 0 and "already pending" in again.output
    assert rq.scheduled() == [next_id] and rq.queue.count == 0


def test_the_rq_scheduler_runs_it_again_and_again(runner, rq, mailbox, mail):
    assert runner.invoke(args=["mail", "schedule", "--interval", "1"]).exit_code == 0
    rq.work()  # first run: nothing to fetch yet; the next is due within a second
    assert _tickets() == 0 and len(rq.scheduled()) == 1
    mailbox.append(mail(subject="Arrived between two runs"))
    time.sleep(1.2)
    rq.work(scheduler=True)  # the scheduler moves the due run to the queue; the worker runs it
    assert _tickets() == 1
    assert len(rq.scheduled()) == 1  # and it planned the one after


def test_a_fetch_still_running_makes_the_next_one_skip(rq, mailbox, mail, one_minute):
    mailbox.append(mail())
    jobs.start(rq.connection, rq.queue.name, 60)
    lock = jobs.keys(rq.queue.name)[1]
    # Held far longer than the test can take, even on a loaded machine: only a release by the
    # skipped run could make it go.
    rq.connection.set(lock, "another worker", ex=3600)
    rq.work()
    assert _tickets() == 0 and not any(b"\\Seen" in f for f in mailbox.flags())
    assert [r["status"] for r in rq.results()] == ["skipped"]
    assert len(rq.scheduled()) == 1  # the chain goes on
    assert rq.connection.get(lock) == b"another worker"  # never released by someone else
    rq.connection.delete(lock)
    rq.queue.enqueue(jobs.JOB, job_id=f"{jobs.job_prefix(rq.queue.name)}manual")
    rq.work()
    assert _tickets() == 1 and rq.connection.get(lock) is None
    assert len(rq.scheduled()) == 1


def test_parallel_chains_merge_into_one(rq, mailbox, mail, one_minute):
    """Two workers that each started a chain (or a chain restarted by hand) plan the same next
    slot: one scheduled job, however many runs there were."""
    jobs.start(rq.connection, rq.queue.name, 60)
    for n in range(3):
        rq.queue.enqueue(jobs.JOB, job_id=f"{jobs.job_prefix(rq.queue.name)}extra{n}")
    rq.work()
    assert len(rq.results()) == 4
    assert len(rq.scheduled()) == 1


def test_stop_cancels_the_pending_run_and_a_late_run_does_nothing(runner, rq, mailbox, mail):
    jobs.start(rq.connection, rq.queue.name, 60)
    rq.work()
    assert len(rq.scheduled()) == 1
    result = runner.invoke(args=["mail", "schedule", "--stop"])
    assert result.exit_code == 0 and "1 pending run(s) cancelled" in result.output
    assert rq.scheduled() == [] and rq.queue.count == 0
    assert "not scheduled" in runner.invoke(args=["mail", "schedule", "--status"]).output
    mailbox.append(mail())
    rq.queue.enqueue(jobs.JOB, job_id=f"{jobs.job_prefix(rq.queue.name)}late")  # already taken
    rq.work()
    assert _tickets() == 0 and rq.scheduled() == []
    # and it starts again at once, in the same minute
    assert runner.invoke(args=["mail", "schedule", "--interval", "60"]).exit_code == 0
    rq.work()
    assert _tickets() == 1 and len(rq.scheduled()) == 1


def test_a_failing_mailbox_fails_the_run_but_not_the_chain(rq, app, closed_port):
    from rq.registry import FailedJobRegistry

    app.config.update(MAIL_IMAP_HOST="127.0.0.1", MAIL_IMAP_PORT=closed_port, MAIL_IMAP_SSL=False)
    jobs.start(rq.connection, rq.queue.name, 60)
    rq.work()
    assert len(FailedJobRegistry(queue=rq.queue)) == 1
    assert len(rq.scheduled()) == 1
    assert rq.connection.get(jobs.keys(rq.queue.name)[1]) is None  # the lock was released


def test_schedule_needs_rq(runner, app, closed_port):
    app.config["RQ_REDIS_URL"] = None
    result = runner.invoke(args=["mail", "schedule"])
    assert result.exit_code == 2 and "RQ_REDIS_URL" in result.output
    app.config["RQ_REDIS_URL"] = f"redis://127.0.0.1:{closed_port}/0"
    result = runner.invoke(args=["mail", "schedule"])
    assert result.exit_code == 1 and "unreachable" in result.output


def test_the_fetch_lock_outlives_the_run_that_holds_it(rq, monkeypatch):
    """The lock must last as long as RQ lets *this* run go on (its own job timeout), not the
    timeout a later `schedule` wrote for the runs to come: else a second fetch starts while the
    first is still at work."""
    jobs.start(rq.connection, rq.queue.name, 60, timeout=600)  # the first run: 600 s allowed
    switch, lock, _slots = jobs.keys(rq.queue.name)
    rq.connection.hset(switch + ":opts", mapping={"timeout": 30})  # restarted with a shorter one
    seen = []
    monkeypatch.setattr(
        worker,
        "fetch_mail_once",
        lambda app: seen.append(rq.connection.ttl(lock)) or {"status": "fetched"},
    )
    rq.work()
    assert len(seen) == 1 and seen[0] > 600


def test_a_bad_interval_is_said_as_such_not_as_redis_down(runner, app, closed_port):
    app.config.update(RQ_REDIS_URL=f"redis://127.0.0.1:{closed_port}/0", MAIL_FETCH_INTERVAL=0)
    result = runner.invoke(args=["mail", "schedule"])
    assert result.exit_code == 2, result.output
    assert "interval" in result.output and "unreachable" not in result.output
