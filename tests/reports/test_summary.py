"""The monthly summary: last month's figures queued in the outbox to the addresses admins
chose, each in its reader's language; once a month, however many runs (cron, RQ) try at once."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch import worker
from dispatch.extensions import db
from dispatch.mail.compose import render
from dispatch.mail.models import OutboxMessage
from dispatch.reports import jobs
from dispatch.reports.models import ReportSettings, SummarySent
from dispatch.reports.summary import send_monthly
from dispatch.sla.models import SlaPolicy
from tests.planning.fixtures import redis_url  # noqa: F401  (a fixture)
from tests.reports.conftest import at

DECEMBER = datetime(2026, 12, 3, 6, tzinfo=UTC)  # sends November's


@pytest.fixture
def chosen(app, make_user, old_ticket):
    """Two November requests, one resolved; three addresses: a Romanian-speaking user, an
    English-speaking one, and an address with no account."""
    answered = old_ticket(
        datetime(2026, 11, 4, 9, tzinfo=UTC), datetime(2026, 11, 5, 9, tzinfo=UTC)
    )
    waiting = old_ticket(datetime(2026, 11, 20, 9, tzinfo=UTC))
    policy = SlaPolicy(name="Standard", first_response_minutes=60, resolution_minutes=480)
    db.session.add(policy)
    db.session.flush()
    for ticket in (answered, waiting):  # 1 h to answer: one answered in time, one never
        ticket.sla_policy_id = policy.id
        ticket.sla_first_response_due = ticket.created_at + timedelta(hours=1)
    answered.sla_first_response_at = answered.created_at + timedelta(minutes=30)
    old_ticket(at(40))  # December: not November's
    make_user("agent", email="ioana@example.com", locale="ro")
    make_user("employee", email="emma@example.com", locale="en")
    db.session.add(
        ReportSettings(
            id=1,
            summary_recipients="ioana@example.com\nemma@example.com\nboard@example.org",
            site_managers_allowed=False,
        )
    )
    db.session.commit()


def _outbox() -> dict[str, OutboxMessage]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report_summary"))
    return {row.recipient: row for row in rows}


def test_last_months_summary_goes_to_each_address_in_its_language(app, chosen):
    app.config.update(DEFAULT_LOCALE="en")
    result = send_monthly(DECEMBER)
    assert (result.month, result.recipients, result.already) == ("2026-11", 3, False)
    sent = _outbox()
    assert set(sent) == {"ioana@example.com", "emma@example.com", "board@example.org"}
    for row in sent.values():
        render(db.session, row)
    assert sent["emma@example.com"].subject == "Help desk summary for November 2026"
    body = sent["emma@example.com"].body
    assert "Requests created: 2\n" in body and "Requests resolved or closed: 1\n" in body
    assert "First responses in time: 50%\n" in body and "Resolutions in time: 100%\n" in body
    assert "Requests whose service level was missed: 1\n" in body
    assert "/reports/?start=2026-11-01&end=2026-11-30" in body
    ioana = sent["ioana@example.com"]  # in her language
    assert ioana.subject == "Rezumatul serviciului de asistență pentru noiembrie 2026"
    assert "Solicitări create: 2\n" in ioana.body
    assert "Help desk summary" in sent["board@example.org"].subject  # no account: the default


def test_a_second_run_sends_nothing(app, chosen):
    assert send_monthly(DECEMBER).recipients == 3
    again = send_monthly(datetime(2026, 12, 20, tzinfo=UTC))
    assert again.already and again.recipients == 0
    assert len(_outbox()) == 3
    assert send_monthly(datetime(2027, 1, 1, tzinfo=UTC)).month == "2026-12"  # the next month


def test_nobody_chosen_nothing_sent_nor_claimed(app):
    assert send_monthly(DECEMBER).recipients == 0
    assert db.session.scalar(select(func.count()).select_from(SummarySent)) == 0


def test_two_runs_at_once_send_the_summary_once(app, chosen):
    db.session.remove()
    results, errors = [], []
    start = threading.Barrier(2)

    def run():
        with app.app_context():
            start.wait(timeout=30)
            try:
                results.append(send_monthly(DECEMBER))
            except Exception as exc:  # reported below with its reason
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(r.recipients for r in results) == [0, 3]
    assert len(_outbox()) == 3
    assert db.session.scalar(select(func.count()).select_from(SummarySent)) == 1


def test_the_command_line(app, chosen, monkeypatch):
    monkeypatch.setattr("dispatch.reports.cli.utcnow", lambda: DECEMBER)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reports", "mail-summary"])
    assert first.exit_code == 0 and "2026-11 queued to 3 address(es)" in first.output
    second = runner.invoke(args=["reports", "mail-summary"])
    assert "sent already" in second.output


def test_the_rq_chain_sends_and_schedules_the_next(app, chosen, redis_url, monkeypatch):  # noqa: F811
    from redis import Redis
    from rq import Queue, SimpleWorker
    from rq.registry import ScheduledJobRegistry

    name = f"summary-{uuid.uuid4().hex[:8]}"
    conn = Redis.from_url(redis_url)
    app.config.update(RQ_REDIS_URL=redis_url, RQ_MAIL_QUEUE=name)
    monkeypatch.setattr(worker, "create_app", lambda: app)
    runner = app.test_cli_runner()
    started = runner.invoke(args=["reports", "schedule", "--interval", "3600"])
    assert started.exit_code == 0 and "queued now" in started.output, started.output
    queue = Queue(name, connection=conn)
    SimpleWorker([queue], connection=conn).work(burst=True)
    db.session.expire_all()
    assert len(_outbox()) == 3  # last month's, whatever month this is
    [following] = ScheduledJobRegistry(queue=queue).get_job_ids()
    assert following.startswith(jobs.SUMMARY.job_prefix(name))
    stopped = runner.invoke(args=["reports", "schedule", "--stop"])
    assert "1 pending run(s) cancelled" in stopped.output
    conn.close()
