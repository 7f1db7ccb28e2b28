"""Ingest throughput: ``python -m dispatch.mail.bench [--postgres URL] [-n 600]``.

Builds a fresh schema in a throw-away SQLite file (and, with --postgres, in the given
PostgreSQL database, whose tables are dropped and recreated), then feeds it a realistic mix:
new requests from many senders (some HTML, some with an attachment) and replies threaded by our
signed Message-IDs. Prints messages per second. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from email.message import EmailMessage

from dispatch import create_app
from dispatch.extensions import db
from dispatch.mail.ingest import ingest
from dispatch.mail.message_ids import make_message_id


def _messages(n_new: int, n_replies: int, message_id) -> tuple[list[bytes], list]:
    new = []
    for i in range(n_new):
        msg = EmailMessage()
        msg["From"] = f"Person {i % 97} <person{i % 97}@example.com>"
        msg["To"] = "help@example.com"
        msg["Subject"] = f"Request {i}: the printer on floor {i % 7} shows error E{i % 50}"
        msg["Message-ID"] = f"<bench-{i}@example.com>"
        text = (
            "Hello,\n\nthe printer near the kitchen shows an error since this morning. "
            "I restarted it twice.\n\nThanks,\nPerson\n"
        ) * 3
        msg.set_content(text)
        if i % 3 == 0:
            msg.add_alternative(f"<p>{text}</p><p><b>Sent from Outlook</b></p>", subtype="html")
        if i % 10 == 0:
            msg.add_attachment(
                b"\x89PNG fake screenshot " * 200,
                maintype="image",
                subtype="png",
                filename=f"screen-{i}.png",
            )
        new.append(msg.as_bytes())
    replies = []
    for i in range(n_replies):
        ticket_id = i % max(n_new, 1) + 1
        replies.append((ticket_id, i))
    return new, replies


def _reply(ticket_id: int, i: int, message_id) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"person{(ticket_id - 1) % 97}@example.com"
    msg["To"] = "help@example.com"
    msg["Subject"] = f"Re: [#{ticket_id}] Request"
    msg["Message-ID"] = f"<bench-reply-{i}@example.com>"
    ours = message_id(ticket_id)
    msg["In-Reply-To"], msg["References"] = ours, ours
    msg.set_content("Still broken after the restart.\n\nOn Tue, Help desk wrote:\n> old text\n")
    return msg.as_bytes()


def run(url: str, n: int) -> float:
    folder = tempfile.mkdtemp(prefix="dispatch-bench-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "ATTACHMENT_DIR": folder,
            "MAIL_DELIVERY": "manual",
            "MAIL_MAX_TICKETS_PER_HOUR": 10**9,
            "MAIL_ACK_PER_HOUR": 10**9,
            "MAIL_AUTO_REPLY_LIMIT": 10**9,
            "MAIL_OPEN_INTAKE": True,
            "TRIAGE_MODEL_CACHE": None,
        }
    )  # the first message fits the model: measured
    with app.app_context():
        db.drop_all()
        db.create_all()
        n_new = n * 4 // 5
        new, replies = _messages(n_new, n - n_new, make_message_id)
        raws = new + [_reply(t, i, make_message_id) for t, i in replies]
        start, cpu = time.perf_counter(), time.process_time()
        statuses: dict[str, int] = {}
        first = first_cpu = 0.0
        for raw in raws:
            outcome = ingest(raw, source="bench")
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
            if not first:
                first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    rate = len(raws) / elapsed
    # The first message also loads scikit-learn and fits the triage model (once per process).
    rest = max(len(raws) - 1, 1)
    steady = rest / (elapsed - first) if len(raws) > 1 else rate
    print(
        f"{url.split(':')[0]:>22}: {len(raws)} messages in {elapsed:.2f} s = {rate:.0f} msg/s; "
        f"after the first ({first:.2f} s: triage model fitted) {steady:.0f} msg/s, "
        f"CPU {(cpu - first_cpu) / rest * 1000:.1f} ms per message ("
        f"{', '.join(f'{v} {k}' for k, v in sorted(statuses.items()))})"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=600, help="messages per database")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL"),
        help="a PostgreSQL database whose tables may be dropped",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite", args.n)
    if args.postgres:
        run(args.postgres, args.n)


if __name__ == "__main__":
    main()
