"""Shared fixtures: the app on SQLite (or TEST_DATABASE_URL), a client, and small builders.

The schema is created once per session; after each test every table is emptied, so tests stay
independent and the PostgreSQL run stays fast.
"""

from __future__ import annotations

import itertools
import logging
import os
from datetime import time

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text
from werkzeug.security import generate_password_hash

from dispatch import create_app
from dispatch.audit.models import APPEND_ONLY, DROP_APPEND_ONLY
from dispatch.extensions import db
from dispatch.logs import JsonHandler

# Fixtures that tests of several packages use: the geocoder stand-ins (geo, sites, technicians,
# tickets) and the small planning company (planning, my_day, notifications).
pytest_plugins = ["tests.geo.fixtures", "tests.planning.fixtures", "tests.triage.report"]

PASSWORD = "correct horse battery staple"  # also the `password` fixture
# Hashing is deliberately slow (scrypt); hash once for the whole suite.
PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


class _SharedTemplateCache(BytecodeCache):
    """Compiled templates, kept for the whole suite. Every test builds a fresh app, whose Jinja
    environment would compile again each template it renders (about 18 ms a template, a good
    part of a page test's time); production builds one app per process and never notices."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # dropped by Jinja if the source has changed

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedTemplateCache()


#: Markers of tests that start whole stacks of servers: run only when asked for by the marker
#: (`make test-deploy`, `make test-bench`), never in a plain run.
OWN_RUNS = ("deploy", "bench")


def pytest_collection_modifyitems(config, items):
    """The deployment test (``deploy``) and the web benchmark's (``bench``) run only when their
    marker is asked for (``-m deploy``, ``-m bench``)."""
    asked = config.option.markexpr or ""
    skipped = [m for m in OWN_RUNS if m not in asked]
    kept = [item for item in items if not any(item.get_closest_marker(m) for m in skipped)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _database_url(tmp_path_factory, worker: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    if worker == "master":
        return url
    # Under pytest-xdist each worker gets its own database beside the one named (kept for the
    # next run: creating one costs more than the tests' own cleanup).
    given = make_url(url)
    name = f"{given.database}_{worker}"
    admin = create_engine(given.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, request):
    worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
    url = _database_url(tmp_path_factory, worker)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield url
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            # The record of administration refuses DELETE (TRUNCATE fires no row trigger):
            # its triggers step aside while the tables are emptied.
            for statement in DROP_APPEND_ONLY["sqlite"]:
                conn.execute(text(statement))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            for statement in APPEND_ONLY["sqlite"]:
                conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_DIR": str(tmp_path / "attachments"),
            "SERVER_NAME": "localhost",
        }
    )

    app.jinja_env.bytecode_cache = _TEMPLATES

    # Tests keep one app context open (builders need the database), and requests made meanwhile
    # reuse it — so Flask-Login's per-request user cache in `g` would leak from one request,
    # or one client, to the next, and so would Flask-Babel's locale. Production gets a fresh `g`
    # per request; so do the tests.
    @app.before_request
    def _fresh_login_cache():
        from flask import g

        from dispatch.auth.throttle import SIGNED_IN_EMAIL

        g.pop("_login_user", None)
        g.pop(SIGNED_IN_EMAIL, None)
        g.pop("_flask_babel", None)

    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    _empty_all_tables(database_url)


@pytest.fixture(autouse=True)
def _restore_logging():
    """Logging belongs to the process: an app made outside debug and tests logs JSON through a
    handler on the root logger (dispatch.logs). Take it away after each test, and put the app's
    logger back as it was."""
    app_logger = logging.getLogger("dispatch")
    saved = list(app_logger.handlers), app_logger.level
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, JsonHandler)]:
        root.removeHandler(handler)
    app_logger.handlers[:] = saved[0]
    app_logger.setLevel(saved[1])


@pytest.fixture
def closed_port():
    """A port where nothing listens, nor can for the test's duration (see tests.ports)."""
    from tests.ports import closed_port as bind

    sock, port = bind()
    with sock:
        yield port


@pytest.fixture
def password():
    """The password of every user the builders make."""
    return PASSWORD


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_app(app):
    """Another app on the test database: the tests' settings with rate limits on, and these on
    top. The rate limiter is one object shared by every app: it is switched off again after."""
    from dispatch.extensions import limiter

    made = []

    def make(**settings):
        keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED")
        config = {key: app.config[key] for key in keys}
        config.update(ATTACHMENT_DIR=app.config["ATTACHMENT_DIR"], RATELIMIT_ENABLED=True)
        config.update(settings)
        made.append(create_app(config))
        return made[-1]

    yield make
    limiter.enabled = False
    for other in made:
        with other.app_context():
            db.engine.dispose()


# --- builders ---------------------------------------------------------------------------------


@pytest.fixture
def make_site(app):
    from dispatch.sites.models import Site

    def make(**kw):
        n = next(_seq)
        values = dict(
            name=f"Site {n}",
            address=f"{n} Main Street",
            city="Cluj-Napoca",
            timezone="Europe/Bucharest",
            latitude=46.77,
            longitude=23.59,
            opens_at=time(8),
            closes_at=time(17),
        )
        values.update(kw)
        site = Site(**values)
        db.session.add(site)
        db.session.commit()
        return site

    return make


@pytest.fixture
def make_department(app):
    from dispatch.people.models import Department

    def make(**kw):
        dept = Department(name=kw.pop("name", f"Department {next(_seq)}"), **kw)
        db.session.add(dept)
        db.session.commit()
        return dept

    return make


@pytest.fixture
def make_user(app):
    from dispatch.people.models import User

    def make(role="employee", **kw):
        n = next(_seq)
        values = dict(
            email=f"{role}{n}@example.com",
            name=f"{role.title()} {n}",
            role=role,
            password_hash=PASSWORD_HASH,
        )
        values.update(kw)
        user = User(**values)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_category(app):
    from dispatch.tickets.models import Category, CategoryField

    def make(fields=(), **kw):
        values = dict(name=f"Category {next(_seq)}")
        values.update(kw)
        category = Category(**values)
        for i, f in enumerate(fields):
            category.fields.append(CategoryField(position=i, **f))
        db.session.add(category)
        db.session.commit()
        return category

    return make


@pytest.fixture
def make_asset_type(app):
    from dispatch.assets.models import AssetType, AssetTypeField

    def make(fields=(), **kw):
        kind = AssetType(name=kw.pop("name", f"Type {next(_seq)}"), **kw)
        for i, f in enumerate(fields):
            kind.fields.append(AssetTypeField(position=i, **f))
        db.session.add(kind)
        db.session.commit()
        return kind

    return make


@pytest.fixture
def make_asset(app, make_asset_type):
    from dispatch.assets.models import Asset

    def make(**kw):
        kw.setdefault("type", kw.pop("asset_type", None) or make_asset_type())
        kw.setdefault("tag", f"AS-{next(_seq):04d}")
        asset = Asset(**kw)
        db.session.add(asset)
        db.session.commit()
        return asset

    return make


@pytest.fixture
def make_ticket(app, make_user):
    from dispatch.tickets.services import NewTicket, create_ticket

    def make(requester=None, files=(), **kw):
        requester = requester or make_user("employee")
        values = dict(subject=f"Problem {next(_seq)}", description="It does not work.")
        values.update(kw)
        return create_ticket(requester, NewTicket(**values), files=files)

    return make


class Auth:
    def __init__(self, client, make_user):
        self._client = client
        self._make_user = make_user

    def login(self, user=None, role="employee"):
        """Sign in as ``user`` (or a new user of ``role``) through the real login form."""
        user = user or self._make_user(role)
        response = self._client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.data[:500]
        return user

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, make_user):
    return Auth(client, make_user)
