"""The board's marks on a visit: the visit it comes after (an arrow's data and an "after #N"
link), how late it ends against its ticket's due time, and the preferred technician the plan
did not give it — in English and Romanian, escaped, and without a query per visit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.extensions import db
from dispatch.planning import problem as builder
from dispatch.planning import runs
from dispatch.planning.models import PlanRun, RunStatus
from dispatch.tickets.models import TicketTechnician
from tests.planning.fixtures import at_utc, next_weekday, proposed_run
from tests.sql_count import statements


@pytest.fixture
def board(planning_app, shifts, make_tech, make_job, make_user):
    """Ana does a parent job then its follow-up; Bob a job due at 09:00 that ends at 10:12;
    Cara <Off> (no shift) was preferred for Bob's job and Bob <B> for the parent."""
    day = next_weekday()
    ana = make_tech(name="Ana")
    bob = make_tech(name="Bob <B>")
    cara = make_tech(name="Cara <Off>")
    shifts.off.add((cara.id, day))
    parent = make_job(subject="Parent job")
    follow = make_job(subject="Follow-up job")
    follow.parent_id = parent.id
    late = make_job(subject="Late job", due_at=at_utc(day, 9))
    db.session.commit()
    run = proposed_run(
        day,
        [
            (parent, ana, at_utc(day, 8), 60),
            (follow, ana, at_utc(day, 9, 30), 60),
            (late, bob, at_utc(day, 9), 72),
        ],
        preferred={
            str(late.id): {"ids": [cara.id], "by": "named"},
            str(parent.id): {"ids": [bob.id], "by": "device"},
            str(follow.id): {"ids": [ana.id], "by": "named"},  # met: no mark
        },
    )
    ids = {v.ticket.subject: v.id for v in run.visits}
    return {"run": run.id, "visits": ids, "parent": parent, "day": day}


def _row(html: str, visit_id: int) -> str:
    return html.split(f'<tr id="visit-{visit_id}"', 1)[1].split("</tr>", 1)[0]


def _block(html: str, visit_id: int) -> str:
    return re.search(rf'<div class="tl-visit[^"]*"\s+id="block-{visit_id}"[^>]*>', html).group(0)


def test_the_board_links_a_follow_up_to_the_visit_it_comes_after(board, client, auth):
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{board['run']}").get_data(as_text=True)
    first, then = board["visits"]["Parent job"], board["visits"]["Follow-up job"]
    assert f'data-after="{first}"' in _block(html, then)
    assert "data-after" not in _block(html, first)
    mark = re.search(r'<a [^>]*data-after-mark="(\d+)">([^<]*)</a>', _row(html, then))
    assert mark.group(1) == str(first)
    assert mark.group(2) == f"after {board['parent'].number}"
    assert f'href="#visit-{first}"' in mark.group(0)
    assert "data-after-mark" not in _row(html, first)


def test_a_late_visit_says_how_late_on_the_timeline_and_in_the_list(board, client, auth):
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{board['run']}").get_data(as_text=True)
    late = board["visits"]["Late job"]
    assert "1 h 12 min past its due date" in _row(html, late)  # 09:00 → 10:12
    block = _block(html, late)
    assert "is-late" in block and "1 h 12 min past its due date" in block
    for calm in ("Parent job", "Follow-up job"):
        assert "past its" not in _row(html, board["visits"][calm])
        assert "is-late" not in _block(html, board["visits"][calm])
    assert re.search(r'id="late-count">1 visit late<', html)


def test_an_unmet_preference_is_named_with_what_the_board_knows(board, client, auth):
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{board['run']}").get_data(as_text=True)
    rows = {k: _row(html, v) for k, v in board["visits"].items()}
    assert "preferred Cara &lt;Off&gt; (no shift that day), not met" in rows["Late job"]
    assert "preferred Bob &lt;B&gt; (last visited the device), not met" in rows["Parent job"]
    assert "data-preferred" not in rows["Follow-up job"]
    assert "<Off>" not in html and "Bob <B>" not in html
    assert re.search(r'id="unmet-count">2 preferred technicians not met<', html)


def test_the_marks_in_romanian(board, client, auth, make_user):
    auth.login(make_user("dispatcher", locale="ro"))
    html = client.get(f"/planning/runs/{board['run']}").get_data(as_text=True)
    rows = {k: _row(html, v) for k, v in board["visits"].items()}
    assert f"după {board['parent'].number}" in rows["Follow-up job"]
    assert "1 h 12 min peste termenul stabilit" in rows["Late job"]
    assert "preferat Cara &lt;Off&gt; (fără tură în acea zi), neîndeplinit" in rows["Late job"]
    assert (
        "preferat Bob &lt;B&gt; (ultimul care a vizitat echipamentul), neîndeplinit"
        in (rows["Parent job"])
    )
    assert "1 vizită întârziată" in html


def test_a_visit_past_its_resolution_target_says_so(
    planning_app, shifts, client, auth, make_tech, make_job
):
    day = next_weekday()
    job = make_job(subject="Urgent job")
    job.sla_resolution_due = at_utc(day, 9)
    db.session.commit()
    run = proposed_run(day, [(job, make_tech(name="Ana"), at_utc(day, 10), 110)])  # ends at 11:50
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    assert "2 h 50 min past its resolution target" in _row(html, run.visits[0].id)


def test_a_day_running_past_the_shift_end_is_shaded(
    planning_app, shifts, client, auth, make_tech, make_job
):
    day = next_weekday()
    ana, bob = make_tech(name="Ana"), make_tech(name="Bob")
    run = proposed_run(
        day,
        [(make_job(), ana, at_utc(day, 16), 90), (make_job(), bob, at_utc(day, 15), 60)],
    )  # Ana's shift ends at 17:00, her visit at 17:30; Bob's at 16:00
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    timeline = html.split('id="timeline"', 1)[1].split('id="visits"', 1)[0]
    rows = {
        tech: timeline.split(f'data-technician="{tech}">', 1)[1].split('class="tl-row"', 1)[0]
        for tech in (ana.id, bob.id)
    }
    assert "tl-overtime" in rows[ana.id]
    assert "tl-overtime" not in rows[bob.id]
    assert "past the end of the shift" in html  # the legend says what the band means


def _marked_board(day, make_tech, make_job, technicians: int, visits: int) -> int:
    """``visits`` visits, every other one a follow-up of the one before, each late, each
    preferring a technician who is not on the board (their names are looked up)."""
    techs = [make_tech(name=f"T{visits}-{k}") for k in range(technicians)]
    absent = [make_tech(name=f"Absent {visits}-{k}") for k in range(visits)]
    items, preferred, jobs = [], {}, []
    for k in range(visits):
        job = make_job(subject=f"Job {visits}-{k}", due_at=at_utc(day, 7))
        if k % 2:
            job.parent_id = jobs[-1].id
        jobs.append(job)
        start = at_utc(day, 8) + timedelta(minutes=20 * (k // technicians))
        items.append((job, techs[k % technicians], start, 15))
        preferred[str(job.id)] = {"ids": [absent[k].id], "by": "named"}
    db.session.commit()
    return proposed_run(day, items, preferred).id


def test_the_marks_cost_no_statement_per_visit(
    planning_app, shifts, client, auth, make_tech, make_job
):
    day = next_weekday()
    few = _marked_board(day, make_tech, make_job, 2, 3)
    many = _marked_board(day, make_tech, make_job, 10, 40)
    auth.login(role="dispatcher")
    counts = []
    for run_id, last in ((few, "Job 3-2"), (many, "Job 40-39")):
        with statements() as sent:
            response = client.get(f"/planning/runs/{run_id}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and last in html
        assert html.count("data-after-mark=") == {few: 1, many: 20}[run_id]
        assert html.count("data-preferred>") == {few: 3, many: 40}[run_id]
        counts.append(len(sent))
    assert counts[0] == counts[1], counts


def test_the_plan_keeps_what_each_ticket_preferred(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    ana, bob = make_tech(name="Ana"), make_tech(name="Bob")
    job = make_job()
    job.technicians.append(TicketTechnician(user_id=bob.id, rule="preferred"))
    db.session.commit()
    built = builder.build(day, 1, now=datetime.now(UTC))
    assert built.preferred == {job.id: {"ids": [bob.id], "by": "named"}}
    run = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.DONE
    assert run.result["preferred"] == {str(job.id): {"ids": [bob.id], "by": "named"}}
    assert ana.id != bob.id
