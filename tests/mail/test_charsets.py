"""Romanian mail in the charsets Romanian senders still use (windows-1250, ISO-8859-2,
ISO-8859-16) is read into correct text, subjects (RFC 2047 encoded words) and bodies alike;
what Dispatch sends is UTF-8.

Windows-1250 and ISO-8859-2 have no comma-below letters: a Romanian mail client writes ş ţ Ş Ţ
(cedilla) in them, and Dispatch keeps the text as written (see docs/mail.md). ISO-8859-16 has
the comma-below ș ț Ș Ț.
"""

from __future__ import annotations

import base64
import email
import quopri
from email import policy

import pytest

from dispatch.extensions import db
from dispatch.mail.models import Inbound
from dispatch.mail.parse import decode_words, parse
from dispatch.tickets.models import Ticket

CEDILLA = (
    "Imprimanta din sala 204 nu funcţionează",
    "Bună ziua,\nŞtefan de la contabilitate aşteaptă facturile; ţineţi cont că e urgent.\n"
    "Sediul din Braşov, Str. Ştefan cel Mare nr. 12, ÎNTÂI ŢÂNŢARI.\n",
)
COMMA = (
    "Imprimanta din sala 204 nu funcționează",
    "Bună ziua,\nȘtefan de la contabilitate așteaptă facturile; țineți cont că e urgent.\n"
    "Sediul din Brașov, Str. Ștefan cel Mare nr. 12, ÎNTÂI ȚÂNȚARI.\n",
)
NAMES = {CEDILLA[0]: "Ştefan Ţurcanu", COMMA[0]: "Ștefan Țurcanu"}
CASES = [  # charset, transfer encoding of the body, encoded-word encoding, the text written
    ("windows-1250", "quoted-printable", "Q", CEDILLA),
    ("windows-1250", "8bit", "B", CEDILLA),
    ("iso-8859-2", "quoted-printable", "Q", CEDILLA),
    ("iso-8859-2", "base64", "B", CEDILLA),
    ("iso-8859-16", "quoted-printable", "Q", COMMA),
    ("iso-8859-16", "8bit", "B", COMMA),
]


def encoded_word(text: str, charset: str, how: str) -> str:
    data = text.encode(charset)
    if how == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    q = quopri.encodestring(data, header=True).decode().replace("=\n", "")
    return f"=?{charset}?Q?{q}?="


def raw_mail(subject: str, body: str, charset: str, cte: str, how: str) -> bytes:
    """A message as a mail client in ``charset`` writes it: nothing here is UTF-8."""
    data = body.replace("\n", "\r\n").encode(charset)
    if cte == "quoted-printable":
        payload = quopri.encodestring(data)
    elif cte == "base64":
        payload = base64.encodebytes(data)
    else:
        payload = data
    name = NAMES[subject]
    head = f"From: {encoded_word(name, charset, how)} <stefan.turcanu@example.com>\r\n"
    head += (
        "To: help@example.com\r\n"
        f"Subject: {encoded_word(subject, charset, how)}\r\n"
        "Date: Tue, 03 Mar 2026 09:00:00 +0200\r\n"
        f"Message-ID: <ro-{charset}-{cte}@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    )
    return head.encode("ascii") + payload


@pytest.mark.parametrize(("charset", "cte", "how", "text"), CASES)
def test_romanian_charsets_are_read_as_written(charset, cte, how, text):
    subject, body = text
    raw = raw_mail(subject, body, charset, cte, how)
    assert subject.encode("utf-8") not in raw  # really in the legacy charset
    mail = parse(raw)
    assert not mail.problem
    assert mail.subject == subject
    assert mail.text.replace("\r\n", "\n").strip() == body.strip()
    assert mail.sender_name == NAMES[subject]
    assert mail.sender == "stefan.turcanu@example.com"


@pytest.mark.parametrize("how", ["Q", "B"])
def test_subject_in_two_charsets_at_once(how):
    header = (
        encoded_word("Ştampila nu se vede ", "windows-1250", how)  # the space: inside (RFC 2047)
        + " "
        + encoded_word("în sala Țarcu", "iso-8859-16", how)
    )
    assert decode_words(header) == "Ştampila nu se vede în sala Țarcu"


def test_a_romanian_mail_becomes_a_ticket_with_its_letters(ingest):
    subject, body = CEDILLA
    outcome = ingest(raw_mail(subject, body, "windows-1250", "quoted-printable", "Q"))
    assert outcome.status == Inbound.TICKET
    ticket = db.session.get(Ticket, outcome.ticket_id)
    assert ticket.subject == subject
    assert "Ştefan de la contabilitate aşteaptă" in ticket.description
    assert ticket.suggested_kind == "onsite"  # triage reads cedilla forms too


def test_what_we_send_is_utf8(app, smtp_server, make_ticket, make_user, outbox):
    requester = make_user(email="stefan@example.com", name="Ștefan Țurcanu")
    ticket = make_ticket(requester=requester, subject=COMMA[0], description=COMMA[1])
    outbox()
    [(_, _, raw)] = smtp_server.messages
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_charset() == "utf-8"
    assert "=?utf-8?" in raw.decode("ascii").split("\r\n\r\n", 1)[0]  # subject: UTF-8 words
    assert COMMA[0] in msg["Subject"] and ticket.number in msg["Subject"]
    assert isinstance(msg.get_content(), str)
