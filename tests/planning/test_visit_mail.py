"""Requesters hear by mail when their visit is planned and when the technician sets off."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.mail.models import OutboxMessage
from dispatch.mail.outbound import deliver_pending
from dispatch.my_day import services as my_day
from dispatch.planning import runs, services
from dispatch.planning.models import PlanRun
from tests.planning.fixtures import next_weekday


def _messages(kind):
    deliver_pending()
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def test_publish_mails_each_requester_once_and_en_route_mails_again(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    tech = make_tech(name="Radu Tech")
    jobs = [make_job(duration=30) for _ in range(2)]
    boss = make_user("dispatcher")
    run = runs.start_run(boss, day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert len(run.visits) == 2
    services.publish(run, boss)

    scheduled = _messages("scheduled")
    assert sorted(m.ticket_id for m in scheduled) == sorted(j.id for j in jobs)
    assert _messages("assigned") == []  # the visit message names the technician instead
    for message in scheduled:
        assert message.recipient == message.ticket.requester.email
        assert (
            "arriving between" in message.body
            and f"{day:%B} {day.day}, {day.year}" in message.subject
        )

    visit = sorted(db.session.get(PlanRun, run.id).visits, key=lambda v: v.order)[0]
    my_day.advance(visit, tech, "en_route")
    [on_the_way] = _messages("on_the_way")
    assert on_the_way.ticket_id == visit.ticket_id and "Radu Tech is on the way" in on_the_way.body
