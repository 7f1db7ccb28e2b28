"""The board's visit rows and timeline blocks, written in Python (dispatch/planning/
visit_html.py): every value escaped as the template engine would, the actions only on a board
that can still change."""

from __future__ import annotations

import re

from dispatch.extensions import db
from dispatch.planning.models import RunStatus
from tests.planning.fixtures import at_utc, next_weekday, proposed_run

SUBJECT = '<img src=x onerror="alert(1)"> & co'


def _board(make_tech, make_job):
    day = next_weekday()
    bob = make_tech(name='Bob <b>"the tech"</b>')
    job = make_job(subject=SUBJECT)
    db.session.commit()
    run = proposed_run(day, [(job, bob, at_utc(day, 8), 60)])
    return run, run.visits[0]


def test_rows_and_blocks_escape_what_people_wrote(planning_app, make_tech, make_job, client, auth):
    run, visit = _board(make_tech, make_job)
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    row = html.split(f'<tr id="visit-{visit.id}"', 1)[1].split("</tr>", 1)[0]
    block = re.search(rf'<div class="tl-visit[^"]*" id="block-{visit.id}"[^>]*>', html).group(0)
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; co"
    assert escaped in row and escaped in block  # in the block, inside its title="…"
    assert "Bob &lt;b&gt;&#34;the tech&#34;&lt;/b&gt;" in row
    assert "<img" not in html and "<b>" not in row
    # A proposal can change: Pin, Remove and Move, and the block can be dragged.
    assert f'formaction="/planning/runs/{run.id}/visits/{visit.id}/pin"' in row
    assert f'data-move-url="/planning/runs/{run.id}/visits/{visit.id}/move"' in row
    assert "is-movable" in block and "data-move-url" in block


def test_a_published_plan_offers_no_actions(planning_app, make_tech, make_job, client, auth):
    run, visit = _board(make_tech, make_job)
    run.status = RunStatus.PUBLISHED
    db.session.commit()
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    row = html.split(f'<tr id="visit-{visit.id}"', 1)[1].split("</tr>", 1)[0]
    block = re.search(rf'<div class="tl-visit[^"]*" id="block-{visit.id}"[^>]*>', html).group(0)
    assert "formaction" not in row and "move-details" not in row
    assert "is-movable" not in block and "data-move-url" not in block
