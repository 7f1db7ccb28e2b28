"""Warnings before and at a breach: who is told, in the app and by mail, once each however
many checks run at the same time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.mail.models import OutboxMessage
from dispatch.mail.outbound import deliver_pending
from dispatch.notifications.models import Notification
from dispatch.sla import warnings
from dispatch.sla.models import SlaWarning
from dispatch.tickets.dispatching import catalog

T0 = datetime(2026, 12, 7, 8, tzinfo=UTC)
MIN = timedelta(minutes=1)


def staff_mail():
    deliver_pending()
    db.session.expire_all()
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("sla_%")).order_by(OutboxMessage.id)
    )
    return [(r.kind, r.recipient, r.subject) for r in rows]


def notes(user):
    """The user's notifications as they read them (in their language)."""
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id))
    with force_locale(user.locale or "en"):
        return [n.shown for n in rows]


def test_the_dispatcher_is_warned_then_told_of_the_breach(
    app, make_ticket, make_policy, make_user, now
):
    make_policy(
        name="Always", around_the_clock=True, first_response_minutes=60, resolution_minutes=240
    )
    dispatcher = make_user("dispatcher", email="dana@example.com", locale="ro")
    now.at = T0
    ticket = make_ticket(subject="Printer")
    assert ticket.sla_warn_at == T0 + 45 * MIN  # three quarters of the first response's hour

    assert warnings.check(T0 + 44 * MIN) == 0
    assert warnings.check(T0 + 46 * MIN) == 1
    assert warnings.check(T0 + 50 * MIN) == 0  # once
    [note] = notes(dispatcher)
    assert ticket.number in note and "prim răspuns" in note  # in the reader's language
    [(kind, to, subject)] = staff_mail()
    assert (kind, to) == ("sla_warning", "dana@example.com")
    assert ticket.number in subject

    assert warnings.check(T0 + 61 * MIN) == 1
    assert "sla_breach" in [k for k, _to, _s in staff_mail()]
    assert warnings.check(T0 + 62 * MIN) == 0


def test_the_assignee_is_warned_and_the_dispatchers_get_the_escalation(
    app, make_ticket, make_policy, make_user, now
):
    make_policy(
        name="Always", around_the_clock=True, first_response_minutes=600, resolution_minutes=120
    )
    dispatcher, agent = make_user("dispatcher"), make_user("agent")
    now.at = T0
    ticket = make_ticket()
    now.at = T0 + MIN
    catalog(
        ticket,
        dispatcher,
        expected_version=ticket.version,
        kind="remote",
        category_id=None,
        priority="normal",
        assignee_id=agent.id,
    )
    assert ticket.sla_first_response_at == T0 + MIN  # the status change answered
    assert warnings.check(T0 + 91 * MIN) == 1  # 90 of the 120 minutes used
    assert len(notes(agent)) == 1 and notes(dispatcher) == []
    assert warnings.check(T0 + 121 * MIN) == 1
    assert len(notes(agent)) == 2 and len(notes(dispatcher)) == 1
    recipients = sorted(to for kind, to, _s in staff_mail() if kind == "sla_breach")
    assert recipients == sorted([agent.email, dispatcher.email])


def test_a_paused_ticket_is_not_warned(app, make_ticket, make_policy, make_user, now):
    make_policy(
        name="Always", around_the_clock=True, first_response_minutes=10, resolution_minutes=60
    )
    dispatcher = make_user("dispatcher")
    now.at = T0
    ticket = make_ticket()
    now.at = T0 + MIN
    from dispatch.tickets.services import change_status

    change_status(ticket, dispatcher, "waiting")
    assert ticket.sla_warn_at is None
    assert warnings.check(T0 + 600 * MIN) == 0


def test_checks_running_together_send_each_warning_once(
    app, make_ticket, make_policy, make_user, now
):
    make_policy(
        name="Always", around_the_clock=True, first_response_minutes=10, resolution_minutes=60
    )
    make_user("dispatcher")
    now.at = T0
    for _ in range(6):
        make_ticket()
    db.session.remove()
    results, errors = [], []
    start = threading.Barrier(4)

    def run():
        with app.app_context():
            start.wait(timeout=30)
            try:
                results.append(warnings.check(T0 + 11 * MIN))
            except Exception as exc:  # reported below with its reason
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(results) == 6
    assert db.session.scalar(select(func.count()).select_from(SlaWarning)) == 6


def test_the_command_line_check(runner, make_ticket, make_policy, make_user, now):
    make_policy(
        name="Always", around_the_clock=True, first_response_minutes=1, resolution_minutes=60
    )
    make_user("dispatcher")
    now.at = datetime.now(UTC) - timedelta(minutes=5)
    make_ticket()
    result = runner.invoke(args=["sla", "check"])
    assert result.exit_code == 0, result.output
    assert "1 warning(s) sent" in result.output
    assert "0 warning(s) sent" in runner.invoke(args=["sla", "check"]).output


def test_the_periodic_worker_turn_checks_then_fetches(
    app, make_ticket, make_policy, make_user, now
):
    from dispatch import worker

    make_policy(
        name="Always", around_the_clock=True, first_response_minutes=1, resolution_minutes=60
    )
    make_user("dispatcher")
    now.at = datetime.now(UTC) - timedelta(minutes=5)
    make_ticket()
    app.config.update(MAIL_IMAP_HOST=None, MAIL_SEND_AFTER_FETCH=False)
    result = worker.periodic_turn(app)
    assert result["sla_warnings"] == 1 and result["status"] == "sent"
    assert worker.periodic_turn(app)["sla_warnings"] == 0
