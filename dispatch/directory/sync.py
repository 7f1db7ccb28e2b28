"""``flask directory sync``: every person of the directory as an account, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatch.directory import accounts, client
from dispatch.directory.models import DirectorySync
from dispatch.directory.settings import DirectorySettings
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.types import utcnow


@dataclass
class SyncReport:
    people: int = 0
    lines: list[str] = field(default_factory=list)  # what changed, one line each
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("created", "updated", "deactivated", "reactivated"), 0
        )
    )


def _note(report: SyncReport, kind: str, line: str) -> None:
    report.counts[kind] += 1
    report.lines.append(line)


def sync(settings: DirectorySettings, *, actor, dry_run: bool = False) -> SyncReport:
    """Create and update the account of everyone in the directory (base DN and sync filter),
    and close the accounts of those who left it or are disabled there (never deleted). A dry
    run does it all and rolls back. The directory is read before anything is written: if it
    cannot be read, nothing changes."""
    people = client.everyone(settings)
    report = SyncReport(people=len(people))
    seen: set[int] = set()
    for person in people:
        if not accounts.usable_address(person):
            report.problems.append(f"{person.dn}: no usable e-mail address, left out")
            continue
        try:
            user = accounts.account_for(person)
        except accounts.LocalAccountConflict as exc:
            report.problems.append(str(exc))
            continue
        if person.disabled:
            if user is not None:
                seen.add(user.id)
                if user.active:
                    accounts.deactivate(user, actor)
                    _note(report, "deactivated", f"deactivated {user.email} (disabled)")
            continue
        if user is not None and not user.active and user.directory_disabled:
            accounts.reactivate(user, actor)
            _note(report, "reactivated", f"reactivated {user.email}")
        user, change, problems = accounts.apply(settings, person, user, actor)
        seen.add(user.id)
        report.problems.extend(problems)
        if change == "created":
            _note(report, "created", f"created {user.role} {user.email}")
        elif change == "changed":
            _note(report, "updated", f"updated {user.email}")
    leavers = db.session.scalars(
        db.select(User).where(User.auth_source == "ldap", User.active.is_(True))
    )
    for user in leavers:
        if user.id not in seen:
            accounts.deactivate(user, actor)
            _note(report, "deactivated", f"deactivated {user.email} (no longer in the directory)")
    if dry_run:
        db.session.rollback()
        return report
    db.session.add(
        DirectorySync(
            finished_at=utcnow(),
            people=report.people,
            created=report.counts["created"],
            updated=report.counts["updated"],
            deactivated=report.counts["deactivated"],
            reactivated=report.counts["reactivated"],
            problems=report.problems[:200],
            source=str(actor or "Dispatch")[:200],
        )
    )
    db.session.commit()
    return report


def last_sync() -> DirectorySync | None:
    return db.session.scalar(db.select(DirectorySync).order_by(DirectorySync.id.desc()).limit(1))


def directory_accounts(source: str = "ldap") -> dict[str, int]:
    """How many accounts sign in with the directory (or single sign-on, ``source`` "oidc"),
    active and deactivated."""
    rows = db.session.execute(
        db.select(User.active, db.func.count())
        .where(User.auth_source == source)
        .group_by(User.active)
    )
    counts = {"active": 0, "deactivated": 0}
    for active, n in rows:
        counts["active" if active else "deactivated"] = n
    return counts
