"""Jobs the planner cannot place are listed with a way to fix them, never silently dropped."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.planning import runs
from dispatch.planning.engine_reasons import say
from dispatch.planning.models import PlanRun, RunStatus
from tests.planning.fixtures import next_weekday


def test_job_whose_address_was_not_located_is_listed_with_a_map_link(
    planning_app, client, auth, shifts, make_tech, make_job, make_site
):
    make_tech()
    planned = make_job(duration=30)
    lost = make_job(duration=30, subject="Projector at the client's <office>")
    lost.address = "Strada Inexistenta 999, Nicaieri"  # saved, but nobody could locate it
    db.session.commit()
    nowhere = make_job(
        duration=30, site=make_site(latitude=None, longitude=None, name="Depot <North>")
    )
    boss = auth.login(role="dispatcher")
    run = runs.start_run(boss, next_weekday(), 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.DONE
    assert planned.id in {v.ticket_id for v in run.visits}
    reasons = {u["ticket_id"]: u for u in run.result["unassigned"]}
    assert "address could not be located" in say(reasons[lost.id]["reason"])
    assert reasons[lost.id]["needs_location"] and reasons[nowhere.id]["needs_location"]
    assert "give its site a location" in say(reasons[nowhere.id]["reason"])
    page = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    box = page[page.index('id="missing-locations"') :]
    box = box[: box.index("</div>\n</div>")]
    assert f"#{lost.id} Strada Inexistenta 999, Nicaieri" in box
    assert f'href="/desk/tickets/{lost.id}/point"' in box
    assert "Depot &lt;North&gt;" in box and "<North>" not in page
    assert "&lt;office&gt;" in page and "<office>" not in page
