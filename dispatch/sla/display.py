"""How service levels read on pages: durations of business time and a policy's criteria."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from dispatch import labels
from dispatch.sla.models import SlaPolicy


class Durations:
    """Says durations as :func:`duration` does, translated once: for a page that says many
    (``_`` without arguments gives the translated pattern)."""

    def __init__(self) -> None:
        self.minutes = _("%(m)d min")
        self.hours = _("%(h)d h %(m)02d min")

    def say(self, minutes: int) -> str:
        hours, minutes = divmod(abs(minutes), 60)
        if not hours:
            return self.minutes % {"m": minutes}
        return self.hours % {"h": hours, "m": minutes}


def duration(value: timedelta | int | None) -> str:
    """ "45 min", "3 h 05 min" (business hours are counted in hours, not days). Seconds, or a
    timedelta; the sign is dropped."""
    if value is None:
        return ""
    seconds = abs(int(value.total_seconds() if isinstance(value, timedelta) else value))
    return Durations().say(seconds // 60)


def minutes(value: int) -> str:
    return duration(timedelta(minutes=value))


def criteria(policy: SlaPolicy, names: tuple[str, ...] | None = None) -> str:
    """What a policy asks of a ticket, as text ("category Hardware, priority Urgent")."""
    parts = {
        "category": policy.category and _("category %(v)s", v=str(policy.category)),
        "priority": policy.priority
        and _("priority %(v)s", v=labels.PRIORITY.get(policy.priority, policy.priority)),
        "kind": policy.kind and _("kind %(v)s", v=labels.KIND.get(policy.kind, policy.kind)),
        "site": policy.site and _("site %(v)s", v=policy.site.name),
        "department": policy.department and _("department %(v)s", v=str(policy.department)),
    }
    return ", ".join(
        str(text) for name, text in parts.items() if text and (names is None or name in names)
    )
