"""What /readyz checks: the database, and each Redis server the app is configured with (RQ's
queue, the rate limiter's storage). A failure is named in a few words of our own (never the
driver's message, which may hold a host name or a user, nor a traceback: /readyz is public);
the error itself goes to the log. The answer is kept ``READY_CHECK_CACHE_SECONDS`` per process
(:class:`Readiness`), so that calling /readyz in a loop opens no more connections than a load
balancer's polling does."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from dispatch.extensions import db

log = logging.getLogger(__name__)

OK = "ok"
# Rate-limit storage URIs (the `limits` package's schemes) that are a Redis server.
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")
# Words of a driver's error, and what /readyz says for them (the first that matches).
FAILURES = (
    ("refused", "connection refused"),
    ("timeout", "timed out"),
    ("timed out", "timed out"),
    ("authentication", "authentication failed"),
    ("password", "authentication failed"),
    ("noauth", "authentication failed"),
    ("does not exist", "database or user does not exist"),
    ("unable to open", "cannot open the database file"),
    ("terminating connection", "connection lost"),
    ("closed the connection", "connection lost"),
)


def check_database(timeout: float) -> None:
    """Run ``SELECT 1`` on one of the pool's connections (the pool's pre-ping replaces a dead
    one). On PostgreSQL the statement may take ``timeout`` seconds at most; connecting is
    bounded by the engine's ``connect_timeout``. Raises on failure."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Local to this transaction, which ends (rolled back) when the connection goes back.
            conn.execute(
                text("SELECT set_config('statement_timeout', :ms, true)"),
                {"ms": str(int(timeout * 1000))},
            )
        conn.execute(text("SELECT 1"))


def check_redis(url: str, timeout: float) -> None:
    """PING the Redis server at ``url``, waiting ``timeout`` seconds at most to connect and to
    read the answer, and asking once (the client's retries would multiply the wait). Raises on
    failure."""
    client = Redis.from_url(
        url.replace("redis+unix://", "unix://", 1),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    finally:
        client.close()


def redis_urls(config: Mapping[str, Any]) -> dict[str, str]:
    """The Redis servers to check, by the name /readyz gives them: ``redis`` (RQ_REDIS_URL) and
    ``rate_limit_storage`` (RATELIMIT_STORAGE_URI, when it is Redis and another URL)."""
    urls = {}
    if config.get("RQ_REDIS_URL"):
        urls["redis"] = config["RQ_REDIS_URL"]
    storage = config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith(REDIS_SCHEMES) and storage not in urls.values():
        urls["rate_limit_storage"] = storage
    return urls


def describe(exc: BaseException) -> str:
    """A few words on why a check failed, from the error and the errors that caused it."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    # SQLAlchemy's wrapper repeats the statement (whose words would match), and the driver's
    # own error follows it in the chain.
    words = " ".join(
        f"{type(e).__name__} {e}" for e in chain if not isinstance(e, StatementError)
    ).lower()
    for needle, said in FAILURES:
        if needle in words:
            return said
    return f"unavailable ({type(exc).__name__})"


def outcome(name: str, check: Callable[[], None]) -> str:
    """``ok``, or why the check called ``name`` failed (and the error in the log)."""
    try:
        check()
    except Exception as exc:  # whatever the driver raises, the part is not ready
        # The error's own words, without a traceback: a load balancer asks every few seconds.
        log.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
        return describe(exc)
    return OK


def readiness(config: Mapping[str, Any]) -> dict[str, str]:
    """Check the database and each configured Redis server: ``{name: "ok" or why not}``."""
    timeout = config["READY_CHECK_TIMEOUT"]
    checks = {"database": outcome("database", lambda: check_database(timeout))}
    for name, url in redis_urls(config).items():
        checks[name] = outcome(name, lambda url=url: check_redis(url, timeout))
    return checks


class Readiness:
    """This process's last answer of :func:`readiness`, kept ``READY_CHECK_CACHE_SECONDS``. One
    caller checks at a time; the others meanwhile wait for its answer rather than check too."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checks: dict[str, str] | None = None
        self.checked_at = 0.0

    def get(self, config: Mapping[str, Any]) -> dict[str, str]:
        """The checks' results, fresh when the kept ones are older than the setting."""
        keep = float(config.get("READY_CHECK_CACHE_SECONDS") or 0)
        with self.lock:
            if self.checks is None or time.monotonic() - self.checked_at >= keep:
                self.checks = readiness(config)
                self.checked_at = time.monotonic()
            return dict(self.checks)
