"""The directory's sync on RQ every ``LDAP_SYNC_INTERVAL`` seconds: ``flask directory schedule``
(``--stop`` ends it), one chain of :mod:`dispatch.periodic` on the queue ``RQ_DIRECTORY_QUEUE``.
A run that cannot read the directory fails its job, visibly in RQ, and changes nothing; the
next run is already scheduled."""

from __future__ import annotations

import logging

from flask import current_app

from dispatch.audit.record import CommandLine
from dispatch.directory.settings import from_config
from dispatch.directory.sync import sync
from dispatch.periodic import Periodic

log = logging.getLogger(__name__)

SYNC = Periodic(
    "directory-sync", "dispatch.worker.sync_directory", "directory sync", "flask directory schedule"
)
ACTOR = CommandLine("scheduled directory sync")


def sync_once() -> dict:
    """One sync in the current app; what it did, for RQ's record of the job."""
    settings = from_config(current_app.config)
    if settings is None:
        log.info("directory sync: LDAP_URL is not set; nothing to do")
        return {"status": "off"}
    report = sync(settings, actor=ACTOR)
    for problem in report.problems:
        log.warning("directory: %s", problem)
    log.info("directory sync: %d people; %s", report.people, report.counts)
    return {"status": "synced", "people": report.people, **report.counts}
