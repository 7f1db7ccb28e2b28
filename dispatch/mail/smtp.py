"""SMTP out: one connection per batch; no MAIL_SERVER configured means the local outbox."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import current_app

from dispatch.mail.message_ids import sender_address
from dispatch.mail.models import OutboxMessage
from dispatch.types import utcnow


class Transport:
    """One SMTP connection for a batch; no server configured means the local outbox."""

    def __init__(self, config):
        self.cfg = config
        self.smtp: smtplib.SMTP | None = None

    @property
    def remote(self) -> bool:
        """Whether sending goes over the network (else the row just stays in the outbox)."""
        return bool(self.cfg.get("MAIL_SERVER"))

    def send(self, row: OutboxMessage) -> str:
        if not self.remote:
            return "local"
        msg = build_message(row)
        if self.smtp is None:
            self.smtp = self._connect()
        self.smtp.send_message(
            msg,
            from_addr=self.cfg.get("MAIL_ENVELOPE_FROM") or sender_address(),
            to_addrs=[row.recipient],
        )
        return "sent"

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        host, timeout = cfg["MAIL_SERVER"], cfg["MAIL_TIMEOUT"]
        if cfg.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(
                host,
                cfg.get("MAIL_PORT") or 465,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(host, cfg.get("MAIL_PORT") or 25, timeout=timeout)
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        return smtp

    def reset(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except Exception:
                pass

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:
                pass
            self.smtp = None


def build_message(row: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    sender = cfg.get("MAIL_DEFAULT_SENDER") or "dispatch@localhost"
    if isinstance(sender, (list, tuple)):
        sender = formataddr((sender[0], sender[1]))
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.recipient
    msg["Subject"] = " ".join(row.subject.split())
    msg["Date"] = format_datetime(row.sent_at or utcnow())
    msg["Message-ID"] = row.message_id
    for name, value in (row.headers or {}).items():
        msg[name] = " ".join(str(value).split())
    msg.set_content(row.body)
    return msg
