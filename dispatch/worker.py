"""The jobs RQ workers run (``rq worker``): each builds the application in the worker process.

This module sits above every package: nothing in the application imports it; the queues name
its functions by their dotted path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

from dispatch import create_app
from dispatch.directory import jobs as directory_jobs
from dispatch.extensions import db
from dispatch.mail import jobs, send_jobs
from dispatch.mail.fetch import fetch_once
from dispatch.mail.outbound import deliver_pending, delivery_mode, next_due
from dispatch.maintenance import jobs as maintenance_jobs
from dispatch.planning.runs import execute
from dispatch.reports import jobs as report_jobs
from dispatch.sla import warnings

log = logging.getLogger("dispatch.mail")
_mail_app: Flask | None = None  # the mail worker's application, made on its first run


def plan_run(run_id: int) -> None:
    """Plan one run (queued by :func:`dispatch.planning.runs.launch`) in a fresh app."""
    in_fresh_app(lambda: execute(run_id))


def in_fresh_app(work: Callable[[], Any]) -> Any:
    """``work()`` in an app made for it, whose connections close when it is done."""
    with create_app().app_context():
        try:
            return work()
        finally:
            db.session.remove()
            db.engine.dispose()  # the app ends with the job: close its connections


def sync_directory() -> dict:
    """The self-rescheduling directory sync (:mod:`dispatch.directory.jobs`), in a fresh app."""
    return directory_jobs.SYNC.turn(lambda: in_fresh_app(directory_jobs.sync_once))


def mail_report_summary() -> dict:
    """The self-rescheduling monthly summary (:mod:`dispatch.reports.jobs`), in a fresh app."""
    return report_jobs.SUMMARY.turn(lambda: in_fresh_app(report_jobs.summary_once))


def generate_maintenance() -> dict:
    """The self-rescheduling run that makes the due maintenance visits
    (:mod:`dispatch.maintenance.jobs`), in a fresh app."""
    return maintenance_jobs.GENERATE.turn(lambda: in_fresh_app(maintenance_jobs.generate_once))


def fetch_mail() -> dict:
    """The self-rescheduling mail fetch (:mod:`dispatch.mail.jobs`), which also sends the
    service-level warnings that are due: the one periodic turn the workers run."""
    return jobs.fetch_turn(lambda: periodic_turn(mail_application()))


def periodic_turn(app: Flask) -> dict:
    """Check the service levels, then fetch mail; a failing check does not stop the fetch."""
    with app.app_context():
        try:
            sent = warnings.check()
        except Exception:  # the next turn checks again: each warning is claimed once
            log.exception("service levels: check failed")
            sent = None
        finally:
            db.session.remove()
    return {**fetch_mail_once(app), "sla_warnings": sent}


def send_mail() -> dict:
    """Send what waits in the outbox (queued by :func:`dispatch.mail.send_jobs.enqueue`)."""
    app = mail_application()
    with app.app_context():
        try:
            return send_jobs.send_turn(
                lambda: (deliver_pending(), next_due()), app.config["MAIL_SEND_GATHER_SECONDS"]
            )
        finally:
            db.session.remove()


def mail_application() -> Flask:
    """The mail worker's app, kept between runs (a non-forking worker keeps the triage model
    warm)."""
    global _mail_app
    if _mail_app is None:
        app = create_app()
        # A sender thread would not outlive a forked job: send after the fetch instead.
        app.config["MAIL_SEND_AFTER_FETCH"] = delivery_mode(app) != "manual"
        app.config["MAIL_DELIVERY"] = "manual"
        _mail_app = app
    return _mail_app


def fetch_mail_once(app: Flask) -> dict:
    """Fetch the mailbox once (when one is configured), then send what waits if the app sends
    after fetching: the periodic turn also sends what a commit could not queue (Redis down)."""
    with app.app_context():
        try:
            if not app.config.get("MAIL_IMAP_HOST"):
                handled = deliver_pending() if app.config.get("MAIL_SEND_AFTER_FETCH") else 0
                log.info("mail turn: no mailbox to fetch; %d message(s) sent", handled)
                return {"status": "sent", "seen": 0, "outcomes": {}, "handled": handled}
            result = fetch_once()  # FetchError, TemporaryFailure: the job fails, visibly
            if app.config.get("MAIL_SEND_AFTER_FETCH"):
                try:
                    deliver_pending()
                except Exception:  # the outbox keeps it; the next sender retries
                    log.exception("mail fetch: sending postponed")
        finally:
            db.session.remove()
    log.info("mail fetch: %d message(s): %s", result.seen, result.outcomes)
    return {"status": "fetched", "seen": result.seen, "outcomes": dict(result.outcomes)}
