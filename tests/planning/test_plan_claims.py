"""Changing or publishing a proposal holds its row: a move that lost the race to a publish is
refused, not written onto the published plan."""

from __future__ import annotations

from datetime import time

import pytest

from dispatch.errors import TransitionError
from dispatch.extensions import db
from dispatch.planning import runs, services
from dispatch.planning.models import PlanRun, RunStatus, Visit
from tests.planning.fixtures import next_weekday


def _published_behind_our_back(run: PlanRun) -> None:
    # Another dispatcher's request commits while ours still holds the old row in memory.
    with db.engine.begin() as other:
        other.execute(
            db.update(PlanRun).where(PlanRun.id == run.id).values(status=RunStatus.PUBLISHED)
        )


@pytest.mark.parametrize("change", ["move", "pin", "remove", "publish"])
def test_a_change_after_someone_published_is_refused(
    planning_app, shifts, make_tech, make_job, make_user, change
):
    day = next_weekday()
    tech, other = make_tech(), make_tech()
    make_job(duration=30)
    boss = make_user("dispatcher")
    run = runs.start_run(boss, day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    visit = run.visits[0]
    before = (visit.technician_id, visit.pinned, len(run.visits))
    assert run.status == RunStatus.DONE
    _published_behind_our_back(run)
    with pytest.raises(TransitionError, match="published or replaced meanwhile"):
        if change == "move":
            target = other if visit.technician_id == tech.id else tech
            services.move_visit(run, visit.id, target.id, day, time(13, 0))
        elif change == "pin":
            services.set_pinned(run, visit.id, True)
        elif change == "remove":
            services.remove_visit(run, visit.id)
        else:
            services.publish(run, boss)
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    run = db.session.get(PlanRun, run.id)
    assert (stored.technician_id, stored.pinned, len(run.visits)) == before
    assert run.status == RunStatus.PUBLISHED
