"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase

from dispatch.collation import register_sqlite

# Named constraints so that Alembic can alter them later, on SQLite too.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

#: Indexes that only PostgreSQL is given (``Index.ddl_if``: they need its operator classes).
#: Comparing the models with another database's schema leaves them out.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_ticket_search_text"})


def schema_filter(dialect_name: str):
    """Alembic's ``include_object`` for comparing the models with a database of this kind."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        return not (
            type_ == "index" and name in POSTGRESQL_ONLY_INDEXES and dialect_name != "postgresql"
        )

    return include


migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - driver hook
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")  # one fsync per commit instead of several
        cursor.close()
        register_sqlite(dbapi_connection)  # names sorted and searched in people's languages


#: The cookie that keeps an anonymous visitor's choice of language (dispatch.auth.language).
LANGUAGE_COOKIE = "dispatch_language"


def select_locale() -> str:
    """The language of this request: the JSON API's is always English (its clients read its
    messages, and its field names never change); then the signed-in person's choice, the
    choice kept in this browser's cookie, the browser's Accept-Language, and the company's
    DEFAULT_LOCALE. Background work and commands speak DEFAULT_LOCALE unless they force one
    (mail is rendered in each recipient's language)."""
    config = current_app.config
    default, languages = config["DEFAULT_LOCALE"], config["LANGUAGES"]
    if not has_request_context():  # CLI, background jobs
        return default
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return "en"
    chosen = getattr(current_user, "locale", None)  # None: follow the browser
    if chosen in languages:
        return chosen
    kept = request.cookies.get(LANGUAGE_COOKIE)
    if kept in languages:
        return kept
    return request.accept_languages.best_match(languages) or default


log = logging.getLogger(__name__)


def _end_reading(session) -> None:
    """End a PostgreSQL transaction that wrote nothing with COMMIT rather than ROLLBACK: for
    such a transaction the two are the same, but psycopg forgets every prepared statement of
    the connection on a rollback. Ended by rollbacks, as sessions end by default, a pooled
    connection never ran a statement the five times psycopg waits before preparing it, so
    PostgreSQL planned every statement of every request anew: 2.8 ms of the server's time for
    the new ticket's read-back alone, more than running it. A transaction that wrote anything,
    or a session with changes not yet sent, is rolled back as before."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    if connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is None:
        session.commit()


def _end_session(exc: BaseException | None) -> None:
    """End the request's session, as Flask-SQLAlchemy's own teardown would. When the database
    server ended the connection meanwhile (a restart), the rollback that ends the session fails
    after the response was made: discard the dead connection instead of letting that error
    replace a finished page with the server's bare 500 (the pool reconnects next time)."""
    try:
        _end_reading(db.session())
    except Exception:  # a failed transaction, a lost connection: ended below as before
        log.debug("read-only end skipped", exc_info=True)
    try:
        db.session.remove()
    except (OperationalError, InterfaceError) as err:
        log.warning("database connection lost at the end of a request: %s", err.orig)
        db.session().invalidate()  # the same session, closed without a rollback
        db.session.remove()


def init_app(app: Flask) -> None:
    db.init_app(app)
    # Registered after Flask-SQLAlchemy's teardown, so it runs first (teardowns run in reverse):
    # that one then finds the session already ended.
    app.teardown_appcontext(_end_session)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's own message is English: say it in the reader's language.
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
