"""`flask mail ingest | fetch | send | retry` as an MTA and cron see them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dispatch.extensions import db
from dispatch.mail.models import Inbound, MailMessage, OutboxMessage
from dispatch.tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[2]


def test_ingest_reads_standard_input(runner, mail):
    result = runner.invoke(args=["mail", "ingest"], input=mail(subject="From the pipe"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ticket ")
    assert db.session.scalar(db.select(Ticket.subject)) == "From the pipe"
    again = runner.invoke(
        args=["mail", "ingest"], input=mail(subject="x", message_id="<d@x.example>")
    )
    dup = runner.invoke(
        args=["mail", "ingest"], input=mail(subject="x", message_id="<d@x.example>")
    )
    assert again.exit_code == dup.exit_code == 0 and dup.output.startswith("duplicate")


def test_quarantine_is_a_success_for_the_mta(runner):
    result = runner.invoke(args=["mail", "ingest"], input=b"\x00\x01 not a message")
    assert result.exit_code == 0 and result.output.startswith("quarantine")


def test_database_down_is_a_temporary_failure(runner, mail, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from dispatch.mail import ingest as module

    def down(*a, **k):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(module, "_ingest", down)
    result = runner.invoke(args=["mail", "ingest"], input=mail())
    assert result.exit_code == 75 and "try again later" in result.output


def test_real_pipe_with_the_database_unreachable_exits_75(mail, tmp_path, closed_port):
    env = dict(
        os.environ,
        FLASK_SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/none",
        FLASK_SECRET_KEY="pipe-test",
        FLASK_MAIL_OPEN_INTAKE="true",
        FLASK_ATTACHMENT_DIR=str(tmp_path),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "ingest"],
        input=mail(),
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 75, proc.stderr.decode()[-2000:]


def test_retry_processes_quarantine_again(runner, mail, app):
    app.config["MAIL_ALLOWED_DOMAINS"] = ["corp.example"]
    runner.invoke(args=["mail", "ingest"], input=mail(sender="new@partner.example"))
    row = db.session.scalar(db.select(MailMessage))
    assert row.status == Inbound.QUARANTINE
    app.config["MAIL_ALLOWED_DOMAINS"] = ["corp.example", "partner.example"]
    result = runner.invoke(args=["mail", "retry", "--all"])
    assert result.exit_code == 0 and f"{row.id}: ticket" in result.output
    db.session.expire_all()
    assert db.session.get(MailMessage, row.id).attempts == 2
    assert runner.invoke(args=["mail", "retry"]).exit_code == 2  # usage: ids or --all


def test_send_delivers_the_outbox(runner, make_ticket, smtp_server):
    make_ticket()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "handled 1" in result.output
    assert len(smtp_server.messages) == 1
    assert db.session.scalar(db.select(OutboxMessage.status)) == "sent"


def test_a_command_sends_what_it_queued_before_exiting(runner, mail, smtp_server, app):
    app.config["MAIL_DELIVERY"] = "thread"  # the default without Redis
    result = runner.invoke(args=["mail", "ingest"], input=mail(sender="ana@example.com"))
    assert result.exit_code == 0
    assert [rcpts for _f, rcpts, _raw in smtp_server.messages] == [["ana@example.com"]]
    from dispatch.mail import outbound

    assert not outbound.has_worker(app)  # no thread left behind to die with the process
