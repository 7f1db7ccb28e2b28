"""Redis down: pages still answer, planning says the job queue is unavailable, nothing is lost."""

from __future__ import annotations

import time

from dispatch.extensions import db
from dispatch.mail.models import Outbound, OutboxMessage
from dispatch.mail.outbound import deliver_pending
from dispatch.planning.models import PlanLock, PlanRun, RunStatus
from dispatch.tickets.models import Ticket
from tests.planning.fixtures import next_weekday, wait_for


def test_with_redis_down_planning_says_so_and_the_rest_works(
    planning_app, shifts, auth, client, make_user, make_site, make_tech, make_job, closed_port
):
    planning_app.config["RQ_REDIS_URL"] = f"redis://127.0.0.1:{closed_port}/0"
    make_tech()
    job = make_job(duration=30)
    site = make_site(name="Headquarters")
    employee = make_user("employee", email="ana@example.com", site=site)

    # An employee's request goes through, and its acknowledgement waits in the outbox.
    auth.login(employee)
    created = client.post(
        "/tickets/new",
        data={
            "site": str(site.id),
            "subject": "Printer jams",
            "description": "Every page.",
            "impact": "low",
            "urgency": "low",
        },
        content_type="multipart/form-data",
    )
    assert created.status_code == 302
    ticket = db.session.scalars(db.select(Ticket).where(Ticket.subject == "Printer jams")).one()
    assert client.get(f"/tickets/{ticket.id}").status_code == 200
    auth.logout()

    # The dispatcher starts a plan: told at once, without waiting on the network.
    dispatcher = auth.login(role="dispatcher")
    day = next_weekday()
    started = time.monotonic()
    response = client.post(
        "/planning/",
        data={"day": day.isoformat(), "days": "1", "time_limit": "1"},
        follow_redirects=True,
    )
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert response.data.count(b"The job queue is unavailable") == 2  # the flash and the board
    [run] = db.session.scalars(db.select(PlanRun)).all()
    assert run.status == RunStatus.FAILED and "job queue is unavailable" in run.message
    assert db.session.scalar(db.select(db.func.count(PlanLock.day))) == 0  # not half-started

    # Every other page answers.
    for url in (
        "/planning/",
        f"/planning/runs/{run.id}",
        f"/planning/runs/{run.id}/status.json",
        "/desk/inbox",
        f"/desk/tickets/{job.id}",
        f"/tickets/{ticket.id}",
        "/notifications/",
    ):
        assert client.get(url).status_code == 200, url

    # Nothing was lost: the mail leaves when the sender runs, Redis or not.
    [ack] = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    ).all()
    assert (ack.kind, ack.status) == ("ack", Outbound.PENDING)
    deliver_pending()
    db.session.expire_all()
    ack = db.session.get(OutboxMessage, ack.id)
    assert (ack.status, ack.recipient) == (Outbound.LOCAL, "ana@example.com")

    # Once the queue is back (here: the embedded thread), the same plan starts from the board.
    planning_app.config["RQ_REDIS_URL"] = None
    again = client.post(f"/planning/runs/{run.id}/again")
    assert again.status_code == 302
    new_id = int(again.headers["Location"].rstrip("/").split("/")[-1])
    assert wait_for(new_id).status == RunStatus.DONE
    assert dispatcher.id == db.session.get(PlanRun, new_id).created_by_id
