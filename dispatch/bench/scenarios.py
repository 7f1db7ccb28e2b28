"""The benchmark's users, for locust (``locust -f dispatch/bench/scenarios.py``, which the run
starts in a process of its own: locust patches the standard library for gevent).

Each class is one scenario; its users sign in first (their own account), then repeat one
request with no pause, so that ten users keep ten requests in flight. Every response is noted
(end time, name, milliseconds, status) in the file ``DISPATCH_BENCH_SAMPLES`` names, and
:mod:`dispatch.bench.report` makes the figures from it: locust's own statistics would mix the
sign-ins and the first requests of each worker process into them.

The company's accounts and tickets come from the JSON file ``DISPATCH_BENCH_DATA`` names
(written by :mod:`dispatch.bench.generate`).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import FastHttpUser, events, task

DATA = json.loads(open(os.environ["DISPATCH_BENCH_DATA"], encoding="utf-8").read())
USERS = int(os.environ.get("DISPATCH_BENCH_USERS", "10"))
#: Unmeasured seconds once every user is signed in, then measured seconds.
WARMUP = float(os.environ.get("DISPATCH_BENCH_WARMUP", "10"))
SECONDS = float(os.environ.get("DISPATCH_BENCH_SECONDS", "30"))
SAMPLES: list[tuple[float, str, float, int]] = []
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_accounts = itertools.count()
_started: list[float] = []  # when each user was ready
_quitting: list = []


@events.request.add_listener
def _note(name, response_time, response=None, exception=None, **_kw):
    status = getattr(response, "status_code", 0) or 0
    SAMPLES.append((time.time(), name, response_time, status if exception is None else -status))


@events.quitting.add_listener
def _write(**_kw):
    ready = max(_started) if len(_started) >= USERS else None
    with open(os.environ["DISPATCH_BENCH_SAMPLES"], "w", encoding="utf-8") as out:
        json.dump({"ready": ready, "warmup": WARMUP, "samples": SAMPLES}, out)


class Timed(FastHttpUser):
    """A user that says when it is ready (signed in), and ends the run once every user has
    been ready for the warm-up and the measured time."""

    abstract = True

    def ready(self) -> None:
        _started.append(time.time())

    def done(self) -> bool:
        if len(_started) >= USERS and time.time() > max(_started) + WARMUP + SECONDS:
            if not _quitting:  # once, from a greenlet of its own: quitting stops every user
                _quitting.append(gevent.spawn(self.environment.runner.quit))
            return True
        return False


class Bare(Timed):
    """The reference: the same server's /healthz (no session, no database)."""

    def on_start(self):
        self.ready()

    @task
    def healthz(self):
        if not self.done():
            self.client.get("/healthz", name="healthz")


class SignedIn(Timed):
    abstract = True
    accounts: str = "dispatchers"

    def on_start(self):
        self.rng = random.Random(next(_accounts))
        people = DATA[self.accounts]
        email = people[next(_accounts) % len(people)]
        self.csrf = self.token("/login", "sign in (form)")
        with self.client.post(
            "/login",
            data={"email": email, "password": DATA["password"], "csrf_token": self.csrf},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in of {email} answered {answer.status_code}")
        self.csrf = self.token(self.form_page(), "form")
        self.ready()

    def form_page(self) -> str:
        return "/desk/inbox"

    def token(self, path: str, name: str) -> str:
        page = self.client.get(path, name=name)
        found = CSRF.search(page.text or "")
        return found.group(1) if found else ""


class Inbox(SignedIn):
    """The dispatcher's inbox, first page, default filters (open tickets, the default order)."""

    @task
    def inbox(self):
        if not self.done():
            self.client.get("/desk/inbox", name="inbox")


class Search(SignedIn):
    """The inbox searched: a ticket number, or words of a subject or description."""

    @task
    def search(self):
        if not self.done():
            self.client.get(
                "/desk/inbox", params={"q": self.rng.choice(DATA["searches"])}, name="search"
            )


class TicketPage(SignedIn):
    """A ticket page whose record is 50 events long, as the dispatcher sees it."""

    @task
    def ticket(self):
        if not self.done():
            self.client.get(f"/tickets/{self.rng.choice(DATA['heavy'])}", name="ticket page")


class Board(SignedIn):
    """The planning board of the planned day (40 technicians, about 200 visits)."""

    @task
    def board(self):
        if not self.done():
            self.client.get(f"/planning/runs/{DATA['run']}", name="board")


def _request(rng: random.Random) -> dict:
    return {
        "subject": f"Imprimanta din sala {rng.randint(100, 499)} nu mai printează",
        "description": "Afișează „hârtie blocată” deși tava e goală; am repornit-o, degeaba.",
        "impact": rng.choice(("low", "medium", "high")),
        "urgency": rng.choice(("low", "medium", "high")),
    }


class CreateByForm(SignedIn):
    """Employees sending the request form (each user a different employee).

    The answer to a sent form is the way to the new request, with a thank-you kept in the
    session until that page shows it. A browser opens it at once; these users do not (only the
    create is measured), so each puts its session cookie back as it was before the form,
    as the page would have left it: kept, the thank-yous would pile up in the cookie, hundreds
    by the end of a run, and every request would read and sign them all again."""

    accounts = "employees"

    def on_start(self):
        super().on_start()
        self.session = [c for c in self.client.cookiejar if c.name == "session"]

    def form_page(self) -> str:
        return "/tickets/new"

    @task
    def create(self):
        if self.done():
            return
        form = {
            **_request(self.rng),
            "csrf_token": self.csrf,
            "site": str(self.rng.choice(DATA["sites"])),
            "category": str(self.rng.choice(DATA["categories"])),
            "building": "A",
            "floor": "2",
            "room": "204",
        }
        with self.client.post(
            "/tickets/new", data=form, name="create (form)", allow_redirects=False,
            catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code != 302:
                answer.failure(f"the form answered {answer.status_code}")
        for cookie in self.session:
            self.client.cookiejar.set_cookie(cookie)


class CreateByApi(Timed):
    """Employees' tools creating requests through the JSON API with their tokens."""

    def on_start(self):
        self.rng = random.Random(next(_accounts))
        token = DATA["tokens"][next(_accounts) % len(DATA["tokens"])]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ready()

    @task
    def create(self):
        if self.done():
            return
        body = {
            **_request(self.rng),
            "site": self.rng.choice(DATA["sites"]),
            "category": self.rng.choice(DATA["categories"]),
        }
        self.client.post("/api/v1/tickets", json=body, headers=self.headers, name="create (API)")
