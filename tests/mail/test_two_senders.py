"""Several processes sending the outbox (two web machines' sender threads, `flask mail send` on
cron here and there): each message leaves once."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch.extensions import db
from dispatch.mail import outbound
from dispatch.mail.models import Outbound, OutboxMessage
from tests.ports import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
# More than two claims' worth: each sender claims a batch at a time, so both get some.
MESSAGES = 2 * outbound.CLAIM_BATCH + 20


class TwoSendersGate:
    """An SMTP server that accepts no message until two connections have each offered one, so
    the two senders surely overlap; then it takes a little time for every message."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.peers: set[tuple] = set()
        self.opened: float | None = None

    async def handle_DATA(self, server, session, envelope):
        self.peers.add(session.peer)
        self.opened = self.opened or time.monotonic()
        while len(self.peers) < 2 and time.monotonic() < self.opened + 60:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.02)
        self.messages.append(envelope.original_content)
        return "250 OK"


def _sender(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send"],
        cwd=REPOSITORY,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_sender_processes_send_each_message_once(app, database_url):
    from aiosmtpd.controller import Controller

    for n in range(MESSAGES):
        outbound.queue_rejection(f"person{n}@example.com", "not accepted")
    db.session.commit()
    gate = TwoSendersGate()
    port = free_port()
    server = Controller(gate, hostname="127.0.0.1", port=port)
    server.start()
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "test",
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(port),
        "FLASK_MAIL_DEFAULT_SENDER": "Help desk <help@example.com>",
        "FLASK_MAIL_DELIVERY": "manual",
        "FLASK_MAIL_OPEN_INTAKE": "true",
    }
    try:
        senders = [_sender(env), _sender(env)]
        outputs = [p.communicate(timeout=180) for p in senders]
    finally:
        server.stop()
    for proc, (_, err) in zip(senders, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
    handled = [int(re.search(rb"handled (\d+)", out).group(1)) for out, _ in outputs]
    # Both took part (the gate made them overlap), and between them they took every row once.
    assert all(n > 0 for n in handled) and sum(handled) == MESSAGES, handled
    received = [message_from_bytes(raw) for raw in gate.messages]
    assert len(received) == MESSAGES
    assert len({m["Message-ID"] for m in received}) == MESSAGES
    assert sorted(m["To"] for m in received) == sorted(
        f"person{n}@example.com" for n in range(MESSAGES)
    )
    db.session.expire_all()
    statuses = db.session.scalars(db.select(OutboxMessage.status)).all()
    assert statuses == [Outbound.SENT] * MESSAGES


def test_a_row_waiting_for_its_retry_is_not_claimed_early(app):
    """A sender that listed the row before another sender's failed attempt put it back for
    later leaves it to its time (the claim checks that the row is still due)."""
    outbound.queue_rejection("ana@example.com", "not accepted")
    db.session.commit()
    row = db.session.scalars(db.select(OutboxMessage)).one()
    row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=30)  # a failed attempt's backoff
    db.session.commit()
    with Session(db.engine) as s:
        assert outbound.claim(s, [row.id]) == []
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    with Session(db.engine) as s:
        assert outbound.claim(s, [row.id]) == [row.id]
        assert outbound.claim(s, [row.id]) == []  # taken: a second sender gets nothing
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status == Outbound.SENDING
