"""Importing people from CSV: the preview reports each bad row by line and column and imports
nothing; a good file creates everyone in one transaction with their welcome mails, at most
PEOPLE_IMPORT_MAILS_PER_HOUR due in an hour; the page is the admins', with CSRF."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.mail.models import OutboxMessage
from dispatch.people import csv_import
from dispatch.people.models import Department, User
from dispatch.sites.models import Site
from dispatch.types import utcnow

GOOD = (
    "name;e-mail;department;site;role;language\n"
    "Ștefan Țurcanu;Stefan.Turcanu@firma.ro;Logistică;BV;dispatcher;ro\n"
    "Ioana Mărgărit;ioana.margarit@firma.ro;Suport IT;brasov;agent;\n"
    ";elena.popa@firma.ro;;;;en\n"
)

BAD = (
    "name,email,site,role,language,shoe\n"
    "Ana,ana@firma.ro,Timișoara,boss,fr,42\n"
    "Radu,not-an-address,,,,\n"
    "Dan,ana@firma.ro,,,,\n"
    "Old,old@firma.ro,,,,\n"
)


@pytest.fixture
def brasov(app):
    site = Site(name="Brașov", code="BV")
    db.session.add(site)
    db.session.commit()
    return site


def _users() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def _faults(text):
    return {(f.line, f.column, f.message) for f in csv_import.check(text).faults}


def test_a_good_file_is_checked_then_imported_in_one_go(app, brasov):
    checked = csv_import.check(GOOD)
    assert not checked.faults and [r.line for r in checked.rows] == [2, 3, 4]
    assert checked.new_departments == ["Logistică", "Suport IT"]
    users = csv_import.import_people(GOOD, actor=None)
    stefan = db.session.scalar(db.select(User).filter_by(email="stefan.turcanu@firma.ro"))
    assert stefan in users and stefan.name == "Ștefan Țurcanu" and stefan.role == "dispatcher"
    assert stefan.site == brasov and stefan.department.name == "Logistică"
    assert stefan.locale == "ro" and stefan.password_hash is None and stefan.auth_source == "local"
    elena = db.session.scalar(db.select(User).filter_by(email="elena.popa@firma.ro"))
    assert elena.name == "elena.popa" and elena.role == "employee" and elena.locale == "en"
    mails = db.session.scalars(db.select(OutboxMessage).filter_by(kind="welcome")).all()
    assert sorted(m.recipient for m in mails) == sorted(u.email for u in users)
    created = db.session.scalars(db.select(AdminEvent).filter_by(action="created")).all()
    assert len(created) == 5  # three people, two departments


def test_each_bad_row_is_reported_by_line_and_column_and_nothing_is_imported(app, make_user):
    make_user(email="old@firma.ro")
    faults = _faults(BAD)
    columns = {(line, column) for line, column, _m in faults}
    assert (1, "shoe") in columns
    assert {(2, "site"), (2, "role"), (2, "language"), (3, "email"), (4, "email")} <= columns
    assert (5, "email") in columns
    messages = {m for _l, _c, m in faults}
    assert "the same address is on line 2" in messages
    assert "an account with this address exists" in messages
    before = _users()
    with pytest.raises(csv_import.ImportRefused) as refused:
        csv_import.import_people(BAD, actor=None)
    assert len(refused.value.faults) == len(faults)
    assert _users() == before and db.session.scalar(db.select(OutboxMessage.id)) is None


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("", (1, "", "the file is empty")),
        ("name,role\nAna,agent\n", (1, "email", "the file has no e-mail column")),
        ("email,email\na@firma.ro,b@firma.ro\n", (1, "email", "this column appears twice")),
        ("email\na@firma.ro,extra\n", (2, "", "more values than the header has columns")),
        ('email,name\n"a@firma.ro,Ana\n', (2, "", "unreadable CSV: unexpected end of data")),
    ],
)
def test_a_malformed_file_is_named(app, text, fault):
    assert fault in _faults(text)


def test_a_file_not_in_utf8_is_refused_clearly(app):
    with pytest.raises(csv_import.ValidationError, match="not UTF-8"):
        csv_import.decode("email\nandré@firma.ro\n".encode("cp1250"))
    assert csv_import.decode("\ufeffemail\n".encode()) == "email\n"  # Excel's byte order mark


def test_welcome_mails_past_the_hourly_cap_wait_for_later_hours(app):
    app.config["PEOPLE_IMPORT_MAILS_PER_HOUR"] = 2
    first = "email\n" + "".join(f"p{i}@firma.ro\n" for i in range(3))
    second = "email\n" + "".join(f"q{i}@firma.ro\n" for i in range(2))
    start = utcnow()
    csv_import.import_people(first, actor=None)
    csv_import.import_people(second, actor=None)
    rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    hours = [round((r.next_attempt_at - start) / timedelta(hours=1)) for r in rows]
    assert [r.recipient for r in rows][3:] == ["q0@firma.ro", "q1@firma.ro"]
    assert hours == [0, 0, 1, 1, 2]  # the second file shares the cap with the first


def test_no_welcome_queues_no_mail(app):
    csv_import.import_people("email\nana@firma.ro\n", actor=None, welcome=False)
    assert db.session.scalar(db.select(OutboxMessage.id)) is None and _users() == 1


def _upload(client, text: str | bytes):
    # Encoded in memory: the test client spools big bodies to temporary files it never closes.
    data = text if isinstance(text, bytes) else text.encode()
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "people.csv")})
    return client.post(
        "/admin/people/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_the_page_previews_then_imports(client, auth, brasov):
    auth.login(role="admin")
    assert "Import people" in client.get("/admin/users").text
    preview = _upload(client, GOOD)
    assert preview.status_code == 200
    assert "3 people to import" in preview.text and "Ștefan Țurcanu" in preview.text
    assert "New departments: Logistică, Suport IT" in preview.text
    assert re.search(r'<input checked[^>]* name="welcome"', preview.text)  # mails by default
    before = _users()
    assert before == 1  # the admin; nothing yet
    done = client.post("/admin/people/import/confirm", data={"text": GOOD, "welcome": "y"})
    assert done.status_code == 302 and done.location.endswith("/admin/users")
    assert _users() == before + 3
    assert "3 people imported." in client.get(done.location).text


def test_the_page_lists_the_faults_and_offers_no_import(client, auth, make_user):
    auth.login(role="admin")
    make_user(email="old@firma.ro")
    page = _upload(client, BAD)
    assert "faults: nothing was imported" in page.text
    assert "Timișoara" in page.text and "/admin/people/import/confirm" not in page.text
    # Posting the bad text to the import itself imports nothing either.
    response = client.post("/admin/people/import/confirm", data={"text": BAD})
    assert response.status_code == 400 and "no site is named or coded Timișoara" in response.text
    assert db.session.scalar(db.select(User.id).filter_by(email="ana@firma.ro")) is None


def test_output_is_escaped(client, auth):
    auth.login(role="admin")
    page = _upload(client, "name,email\n<script>alert(1)</script>,x@firma.ro\n")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_large_or_foreign_file_is_refused(client, auth):
    auth.login(role="admin")
    big = _upload(client, "email\n" + "x" * (2 * 1024 * 1024 + 10))
    assert big.status_code == 400 and "larger than 2 MB" in big.text
    foreign = _upload(client, "email\nandré@firma.ro\n".encode("cp1250"))
    assert foreign.status_code == 400 and "not UTF-8" in foreign.text


@pytest.mark.parametrize("role", ["employee", "agent", "dispatcher"])
def test_only_admins_see_the_page(client, auth, role):
    auth.login(role=role)
    assert client.get("/admin/people/import").status_code == 404
    assert client.post("/admin/people/import/confirm", data={"text": GOOD}).status_code == 404
    assert db.session.scalar(db.select(User.id).filter_by(email="elena.popa@firma.ro")) is None


def test_the_forms_need_their_csrf_token(make_app, make_user):
    from tests.conftest import PASSWORD

    app = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)
    with app.app_context():
        admin = make_user(role="admin")
        client = app.test_client()
        page = client.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        login = {"email": admin.email, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login).status_code == 302
        response = client.post("/admin/people/import/confirm", data={"text": GOOD})
        assert response.status_code == 400
        assert db.session.scalar(db.select(User.id).filter_by(email="elena.popa@firma.ro")) is None


def test_the_command_line_checks_and_imports(app, tmp_path, brasov):
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["people", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "would create dispatcher stefan.turcanu@firma.ro" in dry.output
    assert _users() == 0
    done = runner.invoke(args=["people", "import", str(path)])
    assert done.exit_code == 0 and "3 people imported." in done.output and _users() == 3
    again = runner.invoke(args=["people", "import", str(path)])
    assert (
        again.exit_code == 1
        and "line 2, column email: an account with this address exists" in again.output
    )
    assert db.session.scalar(db.select(db.func.count(Department.id))) == 2
