"""The daily upload quota: past it, a request is refused with 413 naming the limit and what is
left, and nothing of it is kept, in either storage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.errors import DispatchError
from dispatch.extensions import db
from dispatch.tickets.attachments import QuotaExceeded, quota_left
from dispatch.tickets.models import Attachment, Ticket
from dispatch.types import utcnow
from tests.tickets.test_attachments import content_keys, multipart, stored, upload

MIB = 1024 * 1024


@pytest.fixture(params=["folder", "database"])
def storage(request, app):
    app.config["ATTACHMENT_STORAGE"] = request.param
    app.config["ATTACHMENT_QUOTA_BYTES_PER_DAY"] = 2 * MIB
    return request.param


@pytest.fixture
def requester(auth):
    return auth.login(role="employee")


def test_uploads_within_the_quota_are_kept(client, requester, storage):
    response = upload(client, "/tickets/new", [("a.bin", b"a" * MIB), ("b.bin", b"b" * MIB)])
    assert response.status_code == 302
    assert [a.size for a in stored()] == [MIB, MIB]
    assert quota_left(requester) == 0


def test_a_request_over_the_quota_is_413_and_keeps_nothing(app, client, requester, storage):
    upload(client, "/tickets/new", [("first.bin", b"a" * MIB)])
    kept = content_keys(app, storage)
    ticket_id = stored()[0].ticket_id
    # Each file is within the left megabyte, both together are not.
    response = multipart(
        client,
        f"/tickets/{ticket_id}/comment",
        [("c.bin", b"c" * (MIB // 2)), ("d.bin", b"d" * (MIB // 2 + 1))],
        body="two more",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "your upload limit of 2 MB a day: 1 MB is left" in page
    assert len(stored()) == 1 and content_keys(app, storage) == kept
    assert db.session.scalar(db.select(Ticket).filter_by(id=ticket_id)).comments == []


def test_a_new_request_over_the_quota_is_not_created(app, client, requester, storage):
    response = upload(client, "/tickets/new", [("big.bin", b"x" * (2 * MIB + 1))])
    assert response.status_code == 413
    assert "2 MB is left" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Ticket)).all() == [] and stored() == []
    assert content_keys(app, storage) == set()


def test_the_quota_is_per_user_and_per_24_hours(client, auth, requester, storage, make_user):
    upload(client, "/tickets/new", [("a.bin", b"a" * (2 * MIB))])
    other = make_user("employee")
    assert quota_left(other) == 2 * MIB
    # Yesterday's uploads no longer count.
    att = stored()[0]
    db.session.execute(
        db.update(Attachment)
        .where(Attachment.id == att.id)
        .values(created_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    db.session.commit()
    assert quota_left(requester) == 2 * MIB
    assert upload(client, "/tickets/new", [("b.bin", b"b" * MIB)]).status_code == 302


def test_no_quota(app, client, requester, storage):
    app.config["ATTACHMENT_QUOTA_BYTES_PER_DAY"] = None
    assert quota_left(requester) is None
    assert upload(client, "/tickets/new", [("a.bin", b"a" * (3 * MIB))]).status_code == 302


def test_the_api_answers_json_with_the_numbers(app):
    @app.get("/api/v1/quota-probe")
    def probe():
        raise QuotaExceeded(2 * MIB, MIB // 4)

    response = app.test_client().get("/api/v1/quota-probe")
    assert response.status_code == 413
    assert response.json["status"] == 413 and response.json["field"] == "attachments"
    assert (response.json["quota_bytes"], response.json["left_bytes"]) == (2 * MIB, MIB // 4)
    assert "limit of 2 MB a day: 0.25 MB is left" in response.json["error"]
    assert isinstance(QuotaExceeded(1, 0), DispatchError)
