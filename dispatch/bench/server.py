"""The database and the server a benchmark run uses: a PostgreSQL database of its own, made and
migrated as an operator would (`flask db upgrade`), and gunicorn started with the production
configuration (deploy/gunicorn.conf.py) on a free port, stopped whatever happens."""

from __future__ import annotations

import http.client
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from dispatch.bench.rows import plain_url

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[2]  # the project: wsgi.py and deploy/ are there
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def database_url(server: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server`` (an SQLAlchemy URL)."""
    return server.rsplit("/", 1)[0] + "/" + name


def recreate_database(url: str) -> None:
    """Drop the URL's database if it exists and create it empty (as the URL's user)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(plain_url(database_url(url, "postgres")), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def app_environment(url: str, redis: str) -> dict[str, str]:
    """The settings of every process of the run: the production profile's (attachments in the
    database, Redis for the queue and the rate limits' counts, pooled connections checked
    before use), over plain HTTP on this machine, without a geocoder. The limits on how many
    requests one person may create and how many sign-ins one address may make are raised:
    ten simulated people create thousands of requests from one address."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    base = redis.rstrip("/").rsplit("/", 1)
    return {
        **env,
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_RQ_REDIS_URL": redis,
        "FLASK_RATELIMIT_STORAGE_URI": f"{base[0]}/{int(base[1]) + 1}",
        "FLASK_ATTACHMENT_STORAGE": "database",
        "FLASK_MAIL_ALLOWED_DOMAINS": "bench.example.com",
        "FLASK_MAIL_BASE_URL": "http://127.0.0.1",
        "FLASK_GEOCODER": "",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_REMEMBER_COOKIE_SECURE": "false",
        "FLASK_SUBMIT_RATE_LIMIT": "1000000 per hour",
        "FLASK_LOGIN_ADDRESS_LIMIT": "100000 per hour",
    }


def migrate(env: dict[str, str]) -> None:
    """`flask db upgrade`, as the operator runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stdout}\n{done.stderr}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A process of the run, in the project's folder with the project's own package first on
    the path (an installed copy elsewhere must not be what runs), its output in ``log``;
    stopped, with its children, whatever happens."""
    path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**env, "PYTHONPATH": path},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@dataclass
class Running:
    """The started server: its port, and the processes (for their CPU) of gunicorn's master,
    whose children are its workers, and of the mail worker."""

    port: int
    web_pid: int
    mail_pid: int


@contextmanager
def gunicorn(env: dict[str, str], folder: Path, workers: int | None = None) -> Iterator[Running]:
    """The web server as production runs it: gunicorn with deploy/gunicorn.conf.py (its worker
    count unless ``workers``), beside the mail worker that sends what the requests queue (as
    deploy/systemd/dispatch-mail.service runs it), once /healthz answers."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    web = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)]
    rq = [str(Path(sys.executable).with_name("rq")), "worker", "--url", env["FLASK_RQ_REDIS_URL"]]
    rq += ["--with-scheduler", "--worker-class", "rq.worker.SimpleWorker", "mail"]
    with (
        started(rq, env, folder / "mail-worker.log") as mail,
        started(web, env, folder / "gunicorn.log") as proc,
    ):
        deadline = time.monotonic() + 120
        while not _answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; its log: {folder / 'gunicorn.log'}")
            time.sleep(0.2)
        yield Running(port, proc.pid, mail.pid)


def _answers(port: int) -> bool:
    try:
        return status(port, "/healthz") == 200
    except OSError:
        return False


def machine(url: str, workers: int | None = None, *, web: bool = True) -> str:
    """The run's date, the machine, PostgreSQL's version and (``web``) gunicorn's workers."""
    with psycopg.connect(plain_url(url.rsplit("/", 1)[0] + "/postgres")) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    cpu = platform.processor() or platform.machine()
    served = (
        f"gunicorn: deploy/gunicorn.conf.py, {workers or 2 * (os.cpu_count() or 1) + 1} sync "
        "workers; "
        if web
        else ""
    )
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores ({cpu}); "
        f"PostgreSQL {version}; {served}Python {platform.python_version()}"
    )
