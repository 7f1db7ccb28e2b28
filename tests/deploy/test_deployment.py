"""The production deployment, run for real: deploy/ files, PostgreSQL, Redis, two gunicorn
instances (different instance folders, one secret key) behind nginx over HTTPS, and an RQ
planning worker, all started by the test on free ports (tests/deploy/stack.py) and driven over
HTTP as people would (tests/deploy/browser.py). `make test-deploy` runs it (not `make test`).

The tests share one deployment and run in order; each leaves it working for the next. (A
planning worker killed during a run is tested with a real `rq worker` in
tests/planning/test_worker_death.py.)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch import demo
from tests.deploy.browser import Browser, links
from tests.deploy.stack import (
    DEPLOY,
    Stack,
    Unavailable,
    env_file,
    make_folder,
    postgres_bin,
    program,
    wait_until,
)

pytestmark = pytest.mark.deploy

# The settings the production file must give every process.
REQUIRED = (
    "FLASK_SECRET_KEY",
    "FLASK_SQLALCHEMY_DATABASE_URI",
    "FLASK_PROXY_FIX_X_FOR",
    "FLASK_PROXY_FIX_X_PROTO",
    "FLASK_RQ_REDIS_URL",
    "FLASK_RATELIMIT_STORAGE_URI",
    "FLASK_ATTACHMENT_STORAGE",
)
ADMIN = ("ops@example.com", "a long operator password")
EMPLOYEE, DISPATCHER = "ana.pop@example.com", "dana.dispatch@example.com"
TECHNICIANS = {name: email for email, name, role, *_ in demo.USERS if role == "technician"}
ATTACHMENT_LIMIT = 1024 * 1024  # lower than the default, to keep the uploads small
# Sign-ins per client address, per hour (the window starts at an address's first attempt, so
# none ends during the test).
ADDRESS_LIMIT = 5


def _environment(stack: Stack) -> dict[str, str]:
    """The production env file (deploy/dispatch.env.example), with this deployment's servers,
    a fresh secret key and lower limits; nothing of the caller's FLASK_* settings."""
    production = env_file(DEPLOY / "dispatch.env.example")
    missing = [name for name in REQUIRED if name not in production]
    assert not missing, f"deploy/dispatch.env.example does not set {missing}"
    assert production["FLASK_ATTACHMENT_STORAGE"] == "database"
    assert production["FLASK_PROXY_FIX_X_FOR"] == production["FLASK_PROXY_FIX_X_PROTO"] == "1"
    production.pop("GUNICORN_BIND")  # one per instance
    redis = f"redis://127.0.0.1:{stack.ports['redis']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    env.pop("DISPATCH_INSTANCE_PATH", None)
    return {
        **env,
        **production,
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_RQ_REDIS_URL": f"{redis}/0",
        "FLASK_RATELIMIT_STORAGE_URI": f"{redis}/1",
        "FLASK_MAIL_BASE_URL": "https://127.0.0.1",
        "FLASK_GEOCODER": "",  # no network: places come from the demo's coordinates
        "FLASK_LOGIN_ADDRESS_LIMIT": f"{ADDRESS_LIMIT} per hour",
        "FLASK_ATTACHMENT_MAX_BYTES": str(ATTACHMENT_LIMIT),
        "FLASK_PLANNING_WORKERS": "1",
        "FLASK_PLANNING_HEARTBEAT_TIMEOUT": "10",
    }


@pytest.fixture(scope="module")
def stack(request):
    try:
        for name in ("redis-server", "nginx", "openssl", "envsubst"):
            program(name)
        postgres_bin()
    except Unavailable as missing:
        if os.environ.get("DEPLOY_TEST_REQUIRED"):  # make test-deploy: a skip would hide it
            pytest.fail(f"the deployment test needs it: {missing}")
        pytest.skip(f"the deployment test needs it: {missing}")
    stack = Stack(make_folder())
    try:
        database = stack.start_postgres()
        stack.start_redis()
        stack.env = _environment(stack)
        stack.env["FLASK_SQLALCHEMY_DATABASE_URI"] = database
        stack.env["DISPATCH_INSTANCE_PATH"] = str(stack.folder / "instance-operator")
        # The operator's first steps: the schema, a company (the demo's), a first admin.
        stack.flask("db", "upgrade")
        # The servers start while the operator carries on (the app reads no data to start).
        upstream = [stack.start_gunicorn("web-a"), stack.start_gunicorn("web-b")]
        stack.start_worker("dispatch-planning")
        stack.start_worker("dispatch-mail")
        stack.start_nginx(upstream)
        stack.flask("demo", "load")
        # Most of the demo's people read Romanian; those this test reads as speak English.
        for email in (EMPLOYEE, DISPATCHER, *TECHNICIANS.values()):
            stack.flask("user", "language", email, "en")
        created = stack.flask("user", "create", ADMIN[0], "--role", "admin", stdin=ADMIN[1])
        assert f"Created admin {ADMIN[0]}" in created
        for name in ("web-a", "web-b"):
            stack.wait_for_gunicorn(name)
        yield stack
    finally:
        stack.close(keep_logs=request.session.testsfailed > 0)


@pytest.fixture(scope="module")
def https(stack) -> int:
    return stack.ports["nginx"]


def person(https: int, email: str, address: str, password: str = demo.DEMO_PASSWORD) -> Browser:
    """Someone signed in through nginx from their own address."""
    browser = Browser(https, source=address)
    signed = browser.sign_in(email, password)
    assert signed.status == 302, (email, signed.status, signed.text[:800])
    return browser


def next_weekday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_nginx_serves_the_app_over_https(stack, https):
    anyone = Browser(https)
    assert anyone.get("/healthz").status == 200
    ready = anyone.get("/readyz")
    assert ready.status == 200, ready.text
    assert json.loads(ready.body)["checks"] == {
        "database": "ok",
        "redis": "ok",
        "rate_limit_storage": "ok",
    }
    page = anyone.get("/login")
    # X-Forwarded-Proto reached the app: it knows the client used HTTPS.
    assert page.status == 200 and "max-age=" in page.headers["Strict-Transport-Security"]
    (session,) = [c for c in page.headers.get_all("Set-Cookie") if c.startswith("session=")]
    assert "Secure" in session and "HttpOnly" in session
    # Static files come from nginx itself (the app would add its request id).
    css = anyone.get("/static/favicon.svg")
    assert css.status == 200 and css.body.startswith(b"<svg") and "X-Request-ID" not in css.headers
    # The operator's first admin (flask user create) signs in and administers.
    admin = person(https, ADMIN[0], "127.0.0.9", ADMIN[1])
    assert admin.get("/admin/").status == 200
    plain = Browser(stack.ports["nginx-http"], tls=False).get("/login")
    assert plain.status == 301 and plain.location.startswith("https://127.0.0.1")


WORKERS = [("dispatch-planning", "planning"), ("dispatch-mail", "mail")]


@pytest.mark.parametrize(("unit", "queue"), WORKERS)
def test_the_workers_of_the_units_listen_on_their_queues(stack, unit, queue):
    wait_until(
        lambda: f"Listening on {queue}" in stack.log(unit).read_text(),
        unit,
        60,
        stack.procs[unit],
        stack.log(unit),
    )


def test_a_request_planned_published_and_on_the_technicians_day(stack, https):
    # The employee asks, with a photo.
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(300_000)
    ana = person(https, EMPLOYEE, "127.0.0.10")
    subject = f"Projector flickers in room {secrets.randbelow(900) + 100}"
    sent = ana.submit(
        "/tickets/new",
        values={
            "subject": subject,
            "description": "The image flickers every few seconds.",
            "impact": "medium",
            "urgency": "high",
        },
        files={"attachments": ("projector.png", photo)},
    )
    assert sent.status == 302, sent.text[:2000]
    ticket = int(re.search(r"/tickets/(\d+)$", sent.location).group(1))
    page = ana.get(f"/tickets/{ticket}")
    (attachment,) = links(page.text, r"^/attachments/\d+")
    # Every web instance serves it (database storage): each straight, and through nginx.
    for name in ("web-a", "web-b"):
        direct = Browser(stack.ports[name], tls=False, source="127.0.0.10").with_cookies_of(ana)
        served = direct.get(attachment)
        assert served.status == 200 and served.body == photo, (name, served.status)
    assert ana.get(attachment).body == photo
    for name in ("web-a", "web-b"):  # and neither kept a copy on its disk
        folder = stack.folder / f"instance-{name}" / "attachments"
        assert not folder.exists() or not any(folder.iterdir())

    # The dispatcher catalogues it on-site and plans the day; the RQ worker plans it.
    dana = person(https, DISPATCHER, "127.0.0.11")
    catalogued = dana.submit(
        f"/desk/tickets/{ticket}",
        f"/desk/tickets/{ticket}/catalog",
        {"catalog-kind": "onsite", "catalog-priority": "high", "catalog-duration_min": "30"},
    )
    assert catalogued.status == 302, catalogued.text[:2000]
    day = next_weekday()
    board = plan_day(stack, dana, day, time_limit=3)
    assert "dispatch.worker.plan_run" in stack.log("dispatch-planning").read_text()
    shown = dana.get(board).text
    assert subject in shown, [line for line in shown.splitlines() if f"#{ticket}" in line]
    published = dana.submit(board, f"{board}/publish")
    assert published.status == 302
    assert "Published" in dana.get(board).text

    # The technician it went to sees the visit on that day.
    handled = re.search(r"Handled by</dt><dd[^>]*>([^<]+)<", ana.get(f"/tickets/{ticket}").text)
    assert handled and handled.group(1) in TECHNICIANS, handled
    technician = person(https, TECHNICIANS[handled.group(1)], "127.0.0.12")
    own_day = technician.get(f"/my-day/?day={day.isoformat()}")
    assert own_day.status == 200 and subject in own_day.text


def _finished(answer) -> dict | None:
    state = json.loads(answer.body)
    return None if state["active"] else state


def plan_day(stack: Stack, dispatcher: Browser, day: date, time_limit: int) -> str:
    """Plan ``day`` from the board and wait, as the board's poll does, until the RQ worker has
    planned it; the board's path."""
    started = dispatcher.submit(
        "/planning/",
        "/planning/",
        {"day": day.isoformat(), "days": "1", "time_limit": str(time_limit)},
    )
    assert started.status == 302, started.text[:2000]
    board = started.location
    state = wait_until(
        lambda: _finished(dispatcher.get(f"{board}/status.json", Accept="application/json")),
        f"the planning run of {day}",
        90,
        stack.procs["dispatch-planning"],
        stack.log("dispatch-planning"),
    )
    assert state["status"] == "done", state
    return board


def test_size_limits_name_themselves_through_nginx(stack, https):
    ana = person(https, EMPLOYEE, "127.0.0.13")
    values = {"subject": "Scans", "description": "The scans", "impact": "low", "urgency": "low"}
    # Over the app's attachment limit (a request nginx lets through): the app's page.
    over = {"attachments": ("scan.pdf", b"x" * (ATTACHMENT_LIMIT + 1))}
    big = ana.submit("/tickets/new", values=values, files=over)
    assert big.status == 413 and "scan.pdf is larger than the limit of 1 MB" in big.text
    # Over nginx's client_max_body_size (26m): nginx's answer, naming its limit.
    far_over = {"attachments": ("all.pdf", b"x" * (27 * 1024 * 1024))}
    huge = ana.submit("/tickets/new", values=values, files=far_over)
    assert huge.status == 413 and "larger than the limit of 26 MB" in huge.text


def test_sign_in_limits_count_the_real_client_behind_nginx(stack, https):
    attacker = Browser(https, source="127.0.0.2")
    for attempt in range(ADDRESS_LIMIT):
        # A forged X-Forwarded-For changes nothing: nginx appends the real address, the app
        # trusts only that one.
        forged = {"X-Forwarded-For": f"10.1.2.{attempt}"}
        refused = attacker.sign_in(f"nobody{attempt}@example.com", "guess", **forged)
        assert refused.status == 200 and "Wrong e-mail or password" in refused.text
    blocked = attacker.sign_in(DISPATCHER, demo.DEMO_PASSWORD, **{"X-Forwarded-For": "10.9.9.9"})
    assert blocked.status == 429 and "Too many attempts to sign in" in blocked.text
    # Another client, through the same nginx (and either instance: the counts are in Redis).
    assert person(https, DISPATCHER, "127.0.0.3")


def test_redis_down_is_reported_and_survived(stack, https):
    dana = person(https, DISPATCHER, "127.0.0.14")
    stack.stop("redis")
    try:
        ready = dana.get("/readyz")
        assert ready.status == 503
        checks = json.loads(ready.body)["checks"]
        assert checks["redis"] == "connection refused" and checks["database"] == "ok", checks
        assert dana.get("/desk/inbox").status == 200  # pages still answer
        started = dana.submit(
            "/planning/", "/planning/", {"day": next_weekday().isoformat(), "days": "1"}
        )
        assert started.status == 302, started.text[:2000]
        assert "job queue is unavailable" in dana.get(started.location).text
        # Signing in still works (the limits count in each process meanwhile).
        assert person(https, EMPLOYEE, "127.0.0.15")
    finally:
        stack.start_redis()
    wait_until(lambda: dana.get("/readyz").status == 200, "/readyz after Redis is back", 20)
    # The planning worker waited for Redis and plans again (an empty Redis: nothing was lost
    # but the queue's contents, and every run in it was already failed or done).
    plan_day(stack, dana, next_weekday() + timedelta(days=7), time_limit=1)


def test_postgres_restart_costs_at_most_the_requests_in_flight(stack, https):
    dana = person(https, DISPATCHER, "127.0.0.16")
    answers, stop = [], threading.Event()

    def keep_asking():
        while not stop.is_set():
            started = time.monotonic()
            try:
                answer = dana.get("/desk/inbox")
                answers.append((answer.status, answer.text, time.monotonic() - started))
            except OSError as exc:  # a timeout: the page hung
                answers.append((None, repr(exc), time.monotonic() - started))

    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        time.sleep(0.5)
        stack.pg_ctl("restart", "-m", "fast")
        time.sleep(0.5)
    finally:
        stop.set()
        asking.join(60)
    assert answers and all(status is not None for status, *_ in answers), answers[-3:]
    for status, text, took in answers:
        # Refused while the server was down: the app's own page, saying to try again.
        assert status == 200 or (status == 503 and "database is not answering" in text), (
            status,
            text[:500],
        )
        assert took < 15, (status, took)
    # The pools find their dead connections before using them: the next requests succeed,
    # in every worker of both instances.
    for _ in range(12):
        answer = dana.get("/desk/inbox")
        assert answer.status == 200, answer.text[:1000]
    assert dana.get("/readyz").status == 200


def test_the_workers_log_json_lines_with_nginx_request_id(stack, https):
    dana = person(https, DISPATCHER, "127.0.0.17")
    ids = {dana.get("/desk/inbox").headers["X-Request-ID"] for _ in range(6)}
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids  # nginx's $request_id
    logged = {}
    for name in ("web-a", "web-b"):
        lines = []
        for line in stack.log(name).read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pytest.fail(f"gunicorn {name} wrote a line that is not JSON: {line[:300]}")
        logged[name] = {e["request_id"] for e in lines if e.get("path") == "/desk/inbox"} & ids
        assert any(
            e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in lines
        )
        assert not any(e["logger"] == "gunicorn.access" for e in lines)
    # nginx shares the requests between both instances, and each logged its own.
    assert logged["web-a"] and logged["web-b"] and logged["web-a"] | logged["web-b"] == ids
    access = (stack.folder / "dispatch.access.log").read_text()
    assert all(i in access for i in ids)  # nginx's own log names the same requests
