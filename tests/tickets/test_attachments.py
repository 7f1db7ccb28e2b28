"""Attachments: uploaded with a request or a comment, stored safely, served as downloads —
in the instance folder and in the database alike."""

from __future__ import annotations

import io
import os
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from dispatch.extensions import db
from dispatch.tickets.models import Attachment, AttachmentChunk, Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def multipart(client, url, files, **data):
    # Encoded in memory: the test client would spool big bodies to temporary files that are
    # never closed when the app refuses the body unread (a ResourceWarning under -W error).
    data["attachments"] = [
        FileStorage(io.BytesIO(content), filename=name) for name, content in files
    ]
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client, url, files, **data):
    return multipart(
        client, url, files, **{"subject": "With files", "impact": "low", "urgency": "low", **data}
    )


def stored():
    return list(db.session.scalars(db.select(Attachment).order_by(Attachment.id)))


@pytest.fixture(autouse=True, params=["folder", "database"])
def storage(request, app):
    app.config["ATTACHMENT_STORAGE"] = request.param
    return request.param


def content_keys(app, storage) -> set[str]:
    """The keys the storage holds content under."""
    if storage == "database":
        return set(db.session.scalars(db.select(AttachmentChunk.stored_name).distinct()))
    folder = app.config["ATTACHMENT_DIR"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def remove_content(app, storage, att: Attachment) -> None:
    if storage == "database":
        db.session.execute(db.delete(AttachmentChunk).filter_by(stored_name=att.stored_name))
        db.session.commit()
    else:
        os.remove(os.path.join(app.config["ATTACHMENT_DIR"], att.stored_name))


@pytest.fixture
def requester(auth):
    return auth.login(role="employee")


def test_several_files_with_a_request(client, requester):
    response = upload(client, "/tickets/new", [("screen.png", PNG), ("log.txt", b"boom")])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    names = [a.original_name for a in stored()]
    assert names == ["screen.png", "log.txt"]
    for att in stored():
        assert f'href="/attachments/{att.id}"' in page
    assert "attached screen.png, log.txt" in re.sub(r"<[^>]+>", "", page)


def test_hostile_names_are_stored_under_generated_names_and_shown_escaped(
    app, client, requester, storage
):
    folder = app.config["ATTACHMENT_DIR"]
    response = upload(
        client, "/tickets/new", [("../../x", b"one"), ("<img src=x onerror=alert(1)>.png", PNG)]
    )
    assert response.status_code == 302
    first, second = stored()
    assert first.original_name == "x"
    for att in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", att.stored_name)
    assert content_keys(app, storage) == {first.stored_name, second.stored_name}
    assert not os.path.exists(os.path.join(os.path.dirname(os.path.dirname(folder)), "x"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in page
    assert "<img src=x" not in page
    with client.get(f"/attachments/{first.id}") as download:
        assert download.data == b"one"
        assert download.headers["Content-Disposition"] == "attachment; filename=x"


@pytest.mark.parametrize(
    "name, body",
    [
        ("drawing.svg", b"<svg onload=alert(1)></svg>"),
        ("page.html", b"<script>alert(1)</script>"),
        ("tool.js", b"alert(1)"),
        ("noextension", b"<html>"),
    ],
)
def test_active_content_is_only_a_download(client, requester, name, body):
    upload(client, "/tickets/new", [(name, body)])
    [att] = stored()
    with client.get(f"/attachments/{att.id}") as response:
        assert response.status_code == 200
        assert response.data == body
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/octet-stream"
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_images_show_inline_but_never_sniffed(client, requester):
    upload(client, "/tickets/new", [("photo.png", PNG)])
    [att] = stored()
    with client.get(f"/attachments/{att.id}") as response:
        assert response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_download_names_are_quoted(client, requester, make_ticket):
    upload(client, "/tickets/new", [("naïve café.txt", b"x"), ("bell\x07\x1b[31m.txt", b"y")])
    # Straight to the service: the test client's multipart encoder cannot carry quotes.
    make_ticket(requester=requester, files=[FileStorage(io.BytesIO(b"z"), filename='a "b"; c.txt')])
    first, second, third = stored()
    with client.get(f"/attachments/{first.id}") as response:
        assert (
            "filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt" in response.headers["Content-Disposition"]
        )
    assert second.original_name == "bell[31m.txt"  # control characters dropped
    with client.get(f"/attachments/{second.id}") as response:
        assert response.headers["Content-Disposition"] == 'inline; filename="bell[31m.txt"'
    with client.get(f"/attachments/{third.id}") as response:
        assert response.headers["Content-Disposition"] == 'inline; filename="a \\"b\\"; c.txt"'


def test_oversized_attachment_is_413_with_the_limit(app, client, requester, storage):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    response = upload(
        client, "/tickets/new", [("small.txt", b"ok"), ("huge.bin", b"x" * (1024 * 1024 + 1))]
    )
    assert response.status_code == 413
    assert "huge.bin is larger than the limit of 1 MB" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Ticket)).all() == [] and stored() == []
    assert content_keys(app, storage) == set()


def test_oversized_request_is_413_with_the_limit(app, client, requester):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    response = upload(client, "/tickets/new", [("huge.bin", b"x" * (3 * 1024 * 1024))])
    assert response.status_code == 413
    assert "larger than the limit of 2 MB" in response.get_data(as_text=True)
    assert stored() == []
    # Any page says so, not only the request form.
    app.config["MAX_CONTENT_LENGTH"] = 1536 * 1024
    response = client.post("/login", data={"email": "a@example.com", "password": "x" * 2_000_000})
    assert response.status_code == 413
    assert "The request is larger than the limit of 1.5 MB." in response.get_data(as_text=True)


def test_a_text_field_over_the_form_limit_is_413_naming_it(app, client, requester):
    app.config["MAX_FORM_MEMORY_SIZE"] = 512 * 1024
    response = upload(client, "/tickets/new", [], description="x" * (600 * 1024))
    assert response.status_code == 413
    assert "A text field is larger than the limit of 0.5 MB" in response.get_data(as_text=True)


def test_too_many_files_reshow_the_form(app, client, requester):
    app.config["ATTACHMENT_MAX_FILES"] = 2
    response = upload(
        client, "/tickets/new", [(f"f{i}.txt", b"x") for i in range(3)], description="keep me"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "At most 2 files at once." in page and "keep me" in page
    assert stored() == []


def test_someone_elses_attachment_is_404(client, auth, requester, make_user):
    upload(client, "/tickets/new", [("mine.txt", b"secret")])
    [att] = stored()
    auth.logout()
    auth.login(role="employee")
    with client.get(f"/attachments/{att.id}") as response:
        assert response.status_code == 404
        assert b"secret" not in response.data
    assert client.get("/attachments/424242").status_code == 404
    auth.logout()
    assert client.get(f"/attachments/{att.id}").status_code == 302  # to the login page


def test_comment_attachments_and_internal_ones(client, auth, requester, make_ticket):
    ticket = make_ticket(requester=requester)
    response = multipart(
        client, f"/tickets/{ticket.id}/comment", [("photo.png", PNG)], body="see photo"
    )
    assert response.status_code == 302
    auth.logout()
    auth.login(role="dispatcher")
    multipart(
        client,
        f"/tickets/{ticket.id}/comment",
        [("quote.pdf", b"$$$")],
        body="vendor quote",
        internal="y",
    )
    public, internal = stored()
    assert public.comment_id and internal.comment.internal
    with client.get(f"/attachments/{internal.id}") as r:
        assert r.status_code == 200
    auth.logout()
    auth.login(requester)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "photo.png" in page and "quote.pdf" not in page
    with client.get(f"/attachments/{public.id}") as r:
        assert r.status_code == 200
    with client.get(f"/attachments/{internal.id}") as r:
        assert r.status_code == 404


def test_missing_content_is_404(app, client, requester, storage):
    upload(client, "/tickets/new", [("gone.txt", b"x")])
    [att] = stored()
    remove_content(app, storage, att)
    assert client.get(f"/attachments/{att.id}").status_code == 404


def test_conditional_and_range_requests(client, requester):
    upload(client, "/tickets/new", [("log.txt", b"0123456789")])
    [att] = stored()
    with client.get(f"/attachments/{att.id}") as full:
        assert full.data == b"0123456789"
        assert full.headers["Content-Length"] == "10"
        assert full.headers["Accept-Ranges"] == "bytes"
        etag = full.headers["ETag"]
    with client.get(f"/attachments/{att.id}", headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304 and cached.data == b""
    with client.get(f"/attachments/{att.id}", headers={"Range": "bytes=2-5"}) as part:
        assert part.status_code == 206 and part.data == b"2345"
        assert part.headers["Content-Range"] == "bytes 2-5/10"
    with client.get(f"/attachments/{att.id}", headers={"Range": "bytes=20-30"}) as beyond:
        assert beyond.status_code == 416
