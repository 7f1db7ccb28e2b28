"""The planning board in Romanian: the engine's reasons for a job left out (the engine writes
English) and the visits' days are said in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale

from dispatch.planning.engine_reasons import in_language
from tests.planning.fixtures import next_weekday, wait_for


def test_the_engines_reasons_in_romanian(app, romanian_app):
    with force_locale("ro"):
        assert in_language("window 09:00–11:15 unreachable from any shift") == (
            "intervalul 09:00–11:15 nu poate fi atins din nicio tură"
        )
        assert in_language("windows day 2 09:00–10:00, from 08:00 unreachable from that shift") == (
            "intervalul ziua 2 09:00–10:00, de la 08:00 nu poate fi atins din acea tură"
        )
        # Three plural forms: 1, 2–19, 20 and more ("de").
        assert in_language("not enough working time left (taken by 1 higher-priority jobs)") == (
            "nu mai rămâne destul timp de lucru (ocupat de 1 intervenție cu prioritate mai mare)"
        )
        assert "(ocupat de 4 intervenții" in in_language(
            "not enough working time left (taken by 4 higher-priority jobs)"
        )
        assert "(ocupat de 21 de intervenții" in in_language(
            "not enough working time left (taken by 21 higher-priority jobs)"
        )
        assert in_language("pinned on technician 7: no technician has skills ['network']") == (
            "la tehnicianul la care este fixată: niciun tehnician nu are competențele network"
        )
        # What the engine did not write stays as it was kept.
        assert in_language("removed from the plan by the dispatcher") == (
            "removed from the plan by the dispatcher"
        )
    with force_locale("en"):
        assert in_language("not enough working time left") == "not enough working time left"


def test_the_board_says_its_days_and_reasons_in_romanian(
    romanian_app, shifts, auth, client, make_tech, make_job, make_skill, make_user
):
    make_tech()
    make_job(duration=30)
    make_job(duration=30, skills=[make_skill("electrical")])  # nobody has the skill: left out
    dispatcher = make_user("dispatcher", locale="ro")
    auth.login(dispatcher)
    day = next_weekday()
    response = client.post(
        "/planning/", data={"day": day.isoformat(), "days": "1", "time_limit": "1"}
    )
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    wait_for(run_id)
    html = client.get(f"/planning/runs/{run_id}").get_data(as_text=True)
    assert "niciun tehnician nu are competențele electrical" in html  # by name, not by id
    assert "no technician has skills" not in html
    months = ["ian.", "feb.", "mar.", "apr.", "mai", "iun.", "iul.", "aug.", "sept.", "oct."]
    months += ["nov.", "dec."]
    visits = html.split('id="visits"', 1)[1]
    assert f"{day.day} {months[day.month - 1]} {day.year}" in visits
    assert f">{day.isoformat()}<" not in visits


def test_a_one_day_plan_names_its_day_once(app, romanian_app):
    from datetime import date

    from dispatch.planning.services import _planned_for_you
    from dispatch.stored_text import render

    day, friday = date(2026, 12, 8), date(2026, 12, 11)
    # Kept as data, said in the language of whoever reads it.
    seven, many, one = (
        _planned_for_you(7, day, day),
        _planned_for_you(21, day, friday),
        _planned_for_you(1, day, day),
    )
    with force_locale("ro"):
        assert render(seven) == (
            "7 vizite au fost planificate pentru dumneavoastră pe 8 decembrie 2026."
        )
        assert render(many) == (
            "21 de vizite au fost planificate pentru dumneavoastră între 8 decembrie 2026 și "
            "11 decembrie 2026."
        )
    with force_locale("en"):
        assert render(one) == "1 visit was planned for you on December 8, 2026."


def test_the_engines_capacity_and_task_limit_reasons_are_translated(app, romanian_app):
    """The engine's own sentences (not copies of them) are recognised and said in Romanian."""
    from dispatch.routing.model import Job, Problem, Vehicle
    from dispatch.routing.reasons import explain_unassigned

    def reason(job, vehicle):
        problem = Problem(jobs=[job], vehicles=[vehicle], durations=[[0, 600], [600, 0]])
        return explain_unassigned(problem, job)

    shift = (8 * 3600, 17 * 3600)
    heavy = reason(
        Job(1, 1, delivery=(5,)),
        Vehicle(1, start_index=0, end_index=0, time_window=shift, capacity=(4,)),
    )
    idle = reason(Job(1, 1), Vehicle(1, start_index=0, end_index=0, time_window=shift, max_tasks=0))
    with force_locale("ro"):
        assert in_language(heavy) == (
            "capacitate insuficientă: încărcătura (5) depășește ce poate prelua "
            "orice tehnician potrivit"
        )
        assert in_language(idle) == "niciun tehnician potrivit nu poate prelua nicio vizită"
        assert in_language("pinned on technician 3: " + idle).startswith(
            "la tehnicianul la care este fixată: niciun tehnician potrivit"
        )
    with force_locale("en"):
        assert in_language(idle) == "every suitable technician may take no visit at all"
        assert "max_tasks" not in in_language(idle)


def test_a_plans_message_is_said_in_each_readers_language(
    romanian_app, shifts, auth, client, make_tech, make_job, make_user, make_skill
):
    """Planned by an English reader, read by a Romanian one: the run's message, its notes and
    the reasons the app (not the engine) gave are kept as data, said for each page."""
    make_tech()
    make_job(duration=30)
    make_job(duration=30, skills=[make_skill("electrical")])
    auth.login(make_user("dispatcher", locale="en"))
    day = next_weekday()
    response = client.post(
        "/planning/", data={"day": day.isoformat(), "days": "1", "time_limit": "1"}
    )
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    wait_for(run_id)
    english = client.get(f"/planning/runs/{run_id}/status.json").get_json()["message"]
    assert english.startswith("Plan ready: 1 visits")
    auth.login(make_user("dispatcher", locale="ro"))
    html = client.get(f"/planning/runs/{run_id}").get_data(as_text=True)
    assert "Planul este gata" in html and "Plan ready" not in html
    romanian = client.get(f"/planning/runs/{run_id}/status.json").get_json()["message"]
    assert romanian.startswith("Planul este gata")
