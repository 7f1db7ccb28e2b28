"""The engine's reasons for a job left out, in the job's site time.

The engine writes its times as clock times of the problem's epoch, midnight UTC of the first
planned day (:func:`dispatch.routing.reasons.format_time`); a dispatcher reads them in the site's
time zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# A time in the engine's reasons (dispatch.routing.reasons.format_time): "HH:MM[:SS]" on the
# first day, "day N HH:MM[:SS]" later; a window's end after "–" on the same day has no "day N".
_ENGINE_TIME = re.compile(
    r"(?P<dash>–)?(?:day (?P<day>\d+) )?"
    r"(?<!\d)(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?![\d:])"
)


def local_reason(text: str, epoch: datetime, zone: ZoneInfo) -> str:
    """The engine's reason with its times (seconds since ``epoch``, printed as UTC clock
    times) rewritten in ``zone``, the job's site's time zone, with the same "day N" convention
    counted from the first planned day."""
    first_day = epoch.date()
    previous = {"engine_day": 0, "local_day": None}

    def rewrite(match: re.Match) -> str:
        hours, minutes, secs = int(match["h"]), int(match["m"]), int(match["s"] or 0)
        if hours > 23 or minutes > 59 or secs > 59:
            return match.group(0)
        if match["day"] is not None:
            engine_day = int(match["day"]) - 1
        elif match["dash"]:
            engine_day = previous["engine_day"]  # a window's end on its start's day
        else:
            engine_day = 0
        moment = (
            epoch + timedelta(days=engine_day, hours=hours, minutes=minutes, seconds=secs)
        ).astimezone(zone)
        local_day = (moment.date() - first_day).days
        clock = moment.strftime("%H:%M") + (moment.strftime(":%S") if secs else "")
        if match["dash"] and previous["local_day"] == local_day:
            out = clock
        elif local_day == 0:
            out = clock
        elif 0 < local_day < 7:
            out = f"day {local_day + 1} {clock}"
        else:
            out = f"{moment.date().isoformat()} {clock}"
        previous.update(engine_day=engine_day, local_day=local_day)
        return (match["dash"] or "") + out

    return _ENGINE_TIME.sub(rewrite, text)
