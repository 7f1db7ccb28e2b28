"""Linking a person to the company directory on their admin page, against the real slapd: the
lookup shows what the directory would fill in, confirming links, and every refusal (unknown
login, the directory down, an entry already someone else's) changes nothing. Unlinking makes
the account local again and can mail a link to set a password. Admins only, with CSRF."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.audit.models import AdminEvent
from dispatch.auth.services import authenticate
from dispatch.directory import signin
from dispatch.extensions import db
from dispatch.mail.models import OutboxMessage
from dispatch.people import services as people
from dispatch.people.models import User
from tests.conftest import PASSWORD as ADMIN_PASSWORD
from tests.directory.support import PASSWORD


def _admin_client(app, make_user, role="admin"):
    admin = make_user(role)
    client = app.test_client()
    response = client.post("/login", data={"email": admin.email, "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    return client, admin


def _local(email="elena.popa@firma.ro"):
    return people.create_user(email, "agent", "local password 123")


def _events(user):
    return db.session.scalar(
        select(func.count(AdminEvent.id)).where(
            AdminEvent.target_type == "user", AdminEvent.target_id == user.id
        )
    )


def _lookup(client, user, login):
    return client.post(f"/admin/users/{user.id}/directory/lookup", data={"lookup-login": login})


def test_a_local_persons_page_says_how_they_sign_in_and_offers_the_lookup(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    elena = _local()
    page = client.get(f"/admin/users/{elena.id}").get_data(as_text=True)
    assert "a password of Dispatch" in page
    assert f'action="/admin/users/{elena.id}/directory/lookup"' in page
    assert "sso/link" not in page  # single sign-on is off here


def test_the_lookup_shows_what_would_be_filled_in_and_changes_nothing(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    elena = _local()
    before = _events(elena)
    page = _lookup(client, elena, "epopa")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "uid=epopa,ou=oameni,dc=firma,dc=ro" in text
    assert "Contabilitate" in text and "Elena Popa" in text
    assert "Timișoara: no such site, left as it is" in text
    db.session.expire_all()
    assert elena.auth_source == "local" and elena.check_password("local password 123")
    assert _events(elena) == before


def test_confirming_links_the_account_and_records_it(dir_app, make_user):
    client, admin = _admin_client(dir_app, make_user)
    elena = _local()
    page = _lookup(client, elena, "elena.popa@firma.ro").get_data(as_text=True)
    entry_id = page.split('name="entry_id" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/admin/users/{elena.id}/directory/link",
        data={"login": "elena.popa@firma.ro", "entry_id": entry_id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert elena.auth_source == "ldap" and elena.password_hash is None
    assert elena.directory_id == entry_id
    assert elena.directory_dn == "uid=epopa,ou=oameni,dc=firma,dc=ro"
    assert elena.department.name == "Contabilitate" and elena.role == "employee"
    event = db.session.scalars(
        select(AdminEvent)
        .where(AdminEvent.target_type == "user", AdminEvent.target_id == elena.id)
        .order_by(AdminEvent.id.desc())
    ).first()
    assert event.actor_id == admin.id
    assert event.before["signs_in_with"] == "local" and event.after["signs_in_with"] == "ldap"
    assert event.after["directory_entry"] == "uid=epopa,ou=oameni,dc=firma,dc=ro"
    shown = client.get(f"/admin/users/{elena.id}").get_data(as_text=True)
    assert "the company directory" in shown and "uid=epopa,ou=oameni,dc=firma,dc=ro" in shown
    # Her directory password now signs her in; the old local one does not.
    assert authenticate(elena.email, PASSWORD) == elena
    assert authenticate(elena.email, "local password 123") is None


def test_an_entry_changed_since_the_preview_is_not_linked(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    elena = _local()
    response = client.post(
        f"/admin/users/{elena.id}/directory/link",
        data={"login": "epopa", "entry_id": "some-other-entry"},
        follow_redirects=True,
    )
    assert "look the person up again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert elena.auth_source == "local"


def test_an_unknown_login_is_refused_clearly(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    elena = _local()
    for login in ("nimeni", "*)(uid=*", "*"):
        text = _lookup(client, elena, login).get_data(as_text=True)
        page = client.get(f"/admin/users/{elena.id}").get_data(as_text=True)
        assert "The directory has no person (or several) with the login" in page + text
    db.session.expire_all()
    assert elena.auth_source == "local"


def test_an_entry_linked_to_someone_else_is_refused(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    # Ioana signs in with the directory: her entry is her account's.
    assert signin.sign_in("ioana.margarit@firma.ro", PASSWORD) is not None
    other = _local("ioana.alt@firma.ro")
    response = _lookup(client, other, "imargarit")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "is already linked to the account ioana.margarit@firma.ro" in page
    # Confirming anyway (a forged or stale form) is refused the same way.
    ioana = db.session.scalar(select(User).filter_by(email="ioana.margarit@firma.ro"))
    client.post(
        f"/admin/users/{other.id}/directory/link",
        data={"login": "imargarit", "entry_id": ioana.directory_id},
    )
    db.session.expire_all()
    assert other.auth_source == "local" and other.directory_id is None


def test_a_disabled_person_or_an_account_not_local_is_refused(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    elena = _local()
    _lookup(client, elena, "mplecat")
    assert "is disabled in the directory" in client.get(f"/admin/users/{elena.id}").text
    assert signin.sign_in("radu.ionescu@firma.ro", PASSWORD) is not None
    radu = db.session.scalar(select(User).filter_by(email="radu.ionescu@firma.ro"))
    _lookup(client, radu, "rionescu")
    assert "already signs in another way" in client.get(f"/admin/users/{radu.id}").text


def test_the_directory_down_is_a_clear_message_and_nothing_changes(down_app, make_user):
    client, _admin = _admin_client(down_app, make_user)
    elena = _local()
    response = _lookup(client, elena, "epopa")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "The directory is unavailable" in page and "Nothing was changed." in page
    link = {"login": "epopa", "entry_id": "x"}
    client.post(f"/admin/users/{elena.id}/directory/link", data=link)
    db.session.expire_all()
    assert elena.auth_source == "local" and elena.check_password("local password 123")


def test_unlinking_makes_the_account_local_and_mails_a_password_link(dir_app, make_user):
    client, admin = _admin_client(dir_app, make_user)
    assert signin.sign_in("radu.ionescu@firma.ro", PASSWORD) is not None
    radu = db.session.scalar(select(User).filter_by(email="radu.ionescu@firma.ro"))
    page = client.get(f"/admin/users/{radu.id}").get_data(as_text=True)
    assert "uid=rionescu,ou=oameni,dc=firma,dc=ro" in page and "/unlink" in page
    response = client.post(f"/admin/users/{radu.id}/unlink", data={"unlink-send_link": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert radu.auth_source == "local" and radu.directory_id is None and radu.password_hash is None
    assert radu.directory_dn is None and radu.department.name == "Suport IT"  # details stay
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.kind, m.recipient, m.context["purpose"]) for m in mail] == [
        ("password", "radu.ionescu@firma.ro", "welcome")
    ]
    event = db.session.scalars(
        select(AdminEvent).where(AdminEvent.target_id == radu.id).order_by(AdminEvent.id.desc())
    ).first()
    assert event.actor_id == admin.id and event.after["signs_in_with"] == "local"
    # The directory no longer signs the account in.
    assert authenticate(radu.email, PASSWORD) is None
    # Without the box ticked, no mail; and a local account cannot be unlinked again.
    again = client.post(f"/admin/users/{radu.id}/unlink", data={}, follow_redirects=True)
    assert "already signs in with a password" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_an_admin_cannot_change_their_own_sign_in(dir_app, make_user):
    client, admin = _admin_client(dir_app, make_user)
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "/directory/lookup" not in page
    response = _lookup(client, admin, "epopa")
    assert "another administrator can" in client.get(response.location).text
    db.session.expire_all()
    assert admin.auth_source == "local"


def test_only_admins_reach_the_links(dir_app, make_user):
    client, _dispatcher = _admin_client(dir_app, make_user, role="dispatcher")
    elena = _local()
    assert _lookup(client, elena, "epopa").status_code == 404
    link = {"login": "epopa", "entry_id": "x"}
    assert client.post(f"/admin/users/{elena.id}/directory/link", data=link).status_code == 404
    assert client.post(f"/admin/users/{elena.id}/unlink", data={}).status_code == 404
    db.session.expire_all()
    assert elena.auth_source == "local"


def test_an_unknown_person_is_404(dir_app, make_user):
    client, _admin = _admin_client(dir_app, make_user)
    assert client.post("/admin/users/999999/directory/lookup", data={}).status_code == 404
    assert client.post("/admin/users/999999/unlink", data={}).status_code == 404


def test_the_forms_need_their_csrf_token(make_app, make_user, directory_config):
    app = make_app(RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=True, **directory_config)
    with app.app_context():
        admin = make_user("admin")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        login = {"email": admin.email, "password": ADMIN_PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login).status_code == 302
        elena = _local()
        response = client.post(
            f"/admin/users/{elena.id}/directory/link", data={"login": "epopa", "entry_id": "x"}
        )
        assert response.status_code == 400
        radu = people.create_user("radu.alt@firma.ro", "agent", "local password 123")
        radu.auth_source, radu.password_hash = "ldap", None
        db.session.commit()
        assert client.post(f"/admin/users/{radu.id}/unlink", data={}).status_code == 400
        db.session.expire_all()
        assert elena.auth_source == "local" and radu.auth_source == "ldap"


def test_without_a_directory_or_single_sign_on_nothing_is_offered_or_linked(
    client, auth, make_user
):
    auth.login(role="admin")
    person = make_user("agent")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Neither the company directory nor single sign-on is set up." in page
    lookup = _lookup(client, person, "epopa")
    assert "Directory sign-in is off" in client.get(lookup.location).get_data(as_text=True)
    sso = client.post(f"/admin/users/{person.id}/sso/link", data={"sso-subject": "x"})
    assert "Single sign-on is off" in client.get(sso.location).get_data(as_text=True)
    db.session.expire_all()
    assert person.auth_source == "local"
