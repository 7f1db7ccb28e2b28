"""Requesters' and technicians' in-app notifications: navbar count, list, mark as read."""

from __future__ import annotations

import re

from dispatch.extensions import db
from dispatch.notifications.models import Notification
from dispatch.notifications.services import notify
from dispatch.planning import runs, services
from dispatch.planning.models import PlanRun
from tests.planning.fixtures import next_weekday


def _publish(boss, day):
    run = runs.start_run(boss, day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    services.publish(run, boss)
    return run


def test_requester_sees_scheduled_visit_after_publish(
    planning_app, client, auth, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    make_tech()
    job = make_job(duration=30)
    _publish(make_user("dispatcher"), day)
    auth.login(job.requester)
    page = client.get("/notifications/").get_data(as_text=True)
    assert job.number in page and f"{day:%B} {day.day}, {day.year}" in page
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert re.search(r"badge[^>]*>\s*1\s*<", home)
    note = db.session.scalar(
        db.select(Notification).where(Notification.user_id == job.requester_id)
    )
    response = client.post(f"/notifications/{note.id}/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    assert not re.search(
        r"badge[^>]*>\s*1\s*<", client.get("/", follow_redirects=True).get_data(as_text=True)
    )


def test_list_is_newest_first_and_escaped(client, auth):
    user = auth.login(role="employee")
    notify(user, "older <b>one</b>")
    notify(user, "newer one")
    db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.index("newer one") < page.index("older")
    assert "<b>one</b>" not in page and "&lt;b&gt;" in page
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert all(n.read_at for n in db.session.scalars(db.select(Notification)))


def test_someone_elses_notification_is_404(client, auth, make_user):
    other = make_user("employee")
    note = notify(other, "private to other")
    db.session.commit()
    auth.login(role="employee")
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    assert "private to other" not in client.get("/notifications/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_anonymous_is_sent_to_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_mark_read_refuses_missing_csrf_token(app, client, auth):
    user = auth.login(role="employee")
    note = notify(user, "hello")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/notifications/{note.id}/read")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_a_notification_is_written_in_its_readers_language(
    planning_app, client, auth, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    make_tech()
    job = make_job(duration=30)
    job.requester.locale = "ro"
    db.session.commit()
    _publish(make_user("dispatcher", locale="en"), day)  # the publisher writes in English
    auth.login(job.requester)
    page = client.get("/notifications/").get_data(as_text=True)
    months = ["ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august"]
    months += ["septembrie", "octombrie", "noiembrie", "decembrie"]
    assert f"{day.day} {months[day.month - 1]} {day.year}" in page


def test_a_notification_is_said_in_the_language_its_reader_has_now(
    planning_app, client, auth, shifts, make_tech, make_job, make_user
):
    """Made while the publisher reads English; read in Romanian, then in English, by whoever
    reads it: it is kept as data, not as the sentence of the moment it was made."""
    day = next_weekday()
    make_tech()
    job = make_job(duration=30)
    job.requester.locale = "en"
    db.session.commit()
    dispatcher = make_user("dispatcher", locale="en")
    auth.login(dispatcher)  # the publisher's page speaks English
    client.get("/")
    _publish(dispatcher, day)
    note = db.session.scalar(
        db.select(Notification).where(Notification.user_id == job.requester_id)
    )
    assert note.message["msg"] == "A technician visit for %(n)s is planned on %(d)s."
    job.requester.locale = "ro"  # the requester now reads Romanian
    db.session.commit()
    auth.login(job.requester)
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"O vizită a tehnicianului pentru {job.number}" in page
    assert "A technician visit" not in page
    job.requester.locale = "en"
    db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"A technician visit for {job.number} is planned on" in page


def test_a_notification_kept_as_text_is_shown_as_it_was(client, auth, make_user):
    reader = make_user(locale="ro")
    notify(reader, "Written before notifications were kept as data")
    db.session.commit()
    auth.login(reader)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Written before notifications were kept as data" in page
