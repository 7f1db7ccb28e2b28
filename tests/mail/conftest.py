"""Fixtures of the mail tests: a message builder, a real SMTP server (aiosmtpd) and a real
IMAP server (Dovecot) on loopback, each on a free port."""

from __future__ import annotations

import imaplib
import itertools
import os
import shutil
import socket
import subprocess
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from dispatch import worker
from dispatch.extensions import db
from dispatch.mail import jobs
from tests.ports import free_port

_n = itertools.count(1)


@pytest.fixture
def mail(app):
    """Build a message as bytes: mail(subject=, body=, sender=, headers={}, ...)."""
    from dispatch.types import utcnow

    def build(
        subject="Printer on floor 2 is jammed",
        body="It shows error E42 since this morning.",
        sender="Ana Pop <ana.pop@example.com>",
        to="help@example.com",
        headers=None,
        message_id=None,
        html=None,
        attachments=(),
    ):
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(utcnow())
        msg["Message-ID"] = message_id or make_msgid(f"t{next(_n)}", domain="mail.example.com")
        for name, value in (headers or {}).items():
            msg[name] = value
        if body is not None:
            msg.set_content(body)
        if html is not None:
            if body is None:
                msg.set_content(html, subtype="html")
            else:
                msg.add_alternative(html, subtype="html")
        for name, data, ctype in attachments:
            maintype, subtype = ctype.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return msg.as_bytes()

    return build


@pytest.fixture
def ingest(app):
    from dispatch.mail.ingest import ingest as run

    def do(raw, source="test"):
        outcome = run(raw, source=source)
        db.session.expire_all()
        return outcome

    return do


@pytest.fixture
def outbox(app):
    """Deliver what is due and return every outbox row (newest last)."""
    from dispatch.mail.models import OutboxMessage
    from dispatch.mail.outbound import deliver_pending

    def flush():
        deliver_pending()
        db.session.expire_all()
        return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))

    return flush


# --- a real SMTP server --------------------------------------------------------------------------


class Capture:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    from aiosmtpd.controller import Controller

    capture = Capture()
    port = free_port()
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="Help desk <help@example.com>"
    )
    yield capture
    controller.stop()


# --- a real IMAP server ---------------------------------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"
DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
last_valid_uid = {uid}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def _run_dovecot(ssl: str = "ssl = no", imaps: bool = False):
    """Start a throw-away Dovecot; yields its address; stops and removes it afterwards."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    import grp
    import pwd

    if os.geteuid() == 0:  # Dovecot refuses to serve mail as root: use the 'dovecot' user
        entry = pwd.getpwnam("dovecot")
        uid, gid, user = entry.pw_uid, entry.pw_gid, "dovecot"
    else:
        uid, gid, user = os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(gid).gr_name
    root = Path("/tmp") / f"dispatch-dovecot-{os.getpid()}-{next(_n)}"
    if root.exists():
        shutil.rmtree(root)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(parents=True)
    port, imaps_port = free_port(), free_port() if imaps else 0
    (root / "users").write_text("support:{PLAIN}secret\n")
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(
            root=root,
            port=port,
            imaps_port=imaps_port,
            uid=uid,
            gid=gid,
            user=user,
            group=group,
            ssl=ssl,
        )
    )
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, gid) if os.geteuid() == 0 and path.name not in ("run",) else None
    # Dovecot daemonises: its output goes to a file, never to a pipe we would wait on.
    with open(root / "start.log", "wb") as log:
        proc = subprocess.run(
            [DOVECOT, "-c", str(root / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=30,
        )
    if proc.returncode != 0:
        pytest.fail(f"dovecot did not start: {(root / 'start.log').read_text()}")
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", imaps_port or port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    yield {
        "host": "127.0.0.1",
        "port": port,
        "imaps_port": imaps_port,
        "user": "support",
        "password": "secret",
        "root": root,
    }
    subprocess.run(
        [DOVECOT, "-c", str(root / "dovecot.conf"), "stop"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot():
    """A throw-away Dovecot on a free loopback port; user 'support', password 'secret'."""
    yield from _run_dovecot()


@pytest.fixture(scope="session")
def dovecot_tls(tmp_path_factory):
    """A Dovecot that speaks only TLS (implicit on imaps_port, STARTTLS on port), with a
    certificate for 127.0.0.1 from a throw-away authority; "cafile" trusts it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    os.chmod(folder, 0o755)
    os.chmod(key, 0o644)  # read by Dovecot's own user
    dh = "/usr/share/dovecot/dh.pem"
    ssl = f"ssl = required\nssl_cert = <{cert}\nssl_key = <{key}\n" + (
        f"ssl_dh = <{dh}\n" if os.path.exists(dh) else ""
    )
    for server in _run_dovecot(ssl, imaps=True):
        yield {**server, "cafile": str(cert)}


@pytest.fixture
def mailbox(app, dovecot):
    """An empty folder of its own for this test; the app set to poll it."""
    folder = f"T{uuid.uuid4().hex[:10]}"
    conn = imaplib.IMAP4(dovecot["host"], dovecot["port"])
    conn.login(dovecot["user"], dovecot["password"])
    conn.create(folder)
    app.config.update(
        MAIL_IMAP_HOST=dovecot["host"],
        MAIL_IMAP_PORT=dovecot["port"],
        MAIL_IMAP_SSL=False,
        MAIL_IMAP_USERNAME=dovecot["user"],
        MAIL_IMAP_PASSWORD=dovecot["password"],
        MAIL_IMAP_FOLDER=folder,
    )

    class Box:
        name = folder

        def append(self, raw: bytes):
            typ, _ = conn.append(folder, None, None, raw)
            assert typ == "OK"

        def flags(self):
            conn.select(folder)
            typ, data = conn.fetch("1:*", "(FLAGS)")
            return [d for d in data if d]

        def count(self, name=folder):
            typ, data = conn.select(name)
            return int(data[0])

    yield Box()
    conn.logout()


def _reachable(url: str) -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    url = "redis://127.0.0.1:6379/13"
    if _reachable(url):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis on 127.0.0.1:6379 and redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _reachable(url):
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def rq(app, redis_url, monkeypatch):
    """A queue of this test's own; the jobs run in this process with the test's app."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    name = f"mailtest-{uuid.uuid4().hex[:10]}"
    conn = Redis.from_url(redis_url)
    # No gathering: a test that wants it sets it (each job would wait half a second).
    app.config.update(RQ_REDIS_URL=redis_url, RQ_MAIL_QUEUE=name, MAIL_SEND_GATHER_SECONDS=0)
    monkeypatch.setattr(worker, "mail_application", lambda: app)

    class Env:
        queue = Queue(name, connection=conn)
        connection = conn

        @staticmethod
        def work(scheduler: bool = False):
            SimpleWorker([Env.queue], connection=conn, name=f"{name}-{uuid.uuid4().hex[:6]}").work(
                burst=True, with_scheduler=scheduler
            )
            db.session.expire_all()

        @staticmethod
        def scheduled() -> list[str]:
            from rq.registry import ScheduledJobRegistry

            return ScheduledJobRegistry(queue=Env.queue).get_job_ids()

        @staticmethod
        def results() -> list:
            from rq.job import Job
            from rq.registry import FinishedJobRegistry

            ids = FinishedJobRegistry(queue=Env.queue).get_job_ids()
            return [Job.fetch(i, connection=conn).return_value() for i in ids]

    yield Env
    jobs.stop(conn, name)
    for pattern in (f"*{name}*", f"rq:*{jobs.job_prefix(name)}*"):
        for key in conn.scan_iter(match=pattern, count=500):
            conn.delete(key)
    conn.srem("rq:queues", f"rq:queue:{name}")
    conn.close()


# --- our mail server's Authentication-Results ----------------------------------------------------

AUTHSERV_ID = "mx.example.com"


@pytest.fixture
def authenticated(app):
    """Switch on the reading of our MTA's results (MAIL_AUTHSERV_ID) and give the header it
    would add: authenticated("example.com") passes DMARC for that domain; a second argument
    says something else ("dmarc=fail header.from=example.com")."""
    app.config["MAIL_AUTHSERV_ID"] = AUTHSERV_ID

    def header(domain: str, results: str | None = None) -> dict[str, str]:
        said = results or f"dmarc=pass (p=reject dis=none) header.from={domain}"
        return {"Authentication-Results": f"{AUTHSERV_ID}; {said}"}

    return header
