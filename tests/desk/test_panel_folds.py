"""The staff panel's folded forms on the ticket page: a fold that starts closed is drawn empty,
its form fetched from the desk's fold address when opened (the same checks and CSRF as the
form itself), and without a script its link leads to the desk's page of the ticket with that
fold open."""

import re

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket
from tests.desk.test_pages import fresh, remote

FOLDS = ("catalog", "assign", "merge", "link")


def _remote(ticket, dispatcher) -> Ticket:
    remote(ticket, dispatcher)
    db.session.commit()
    return fresh(ticket.id)


@pytest.fixture
def catalogued(make_ticket, make_user):
    return _remote(make_ticket(), make_user("dispatcher"))


def _fold(page: str, name: str) -> str:
    return page.split(f'id="panel-{name}"')[1].split("</details>")[0]


def test_closed_folds_are_drawn_empty_with_a_link(client, auth, catalogued, make_user):
    agent = make_user("agent", name="Ana Agent")
    auth.login(role="dispatcher")
    page = client.get(f"/tickets/{catalogued.id}").get_data(as_text=True)
    for name in FOLDS:
        fold = _fold(page, name)
        assert "<form" not in fold and not re.search(r"<details[^>]* open", fold), name
        assert f'data-fold="/desk/tickets/{catalogued.id}/folds/{name}?next=/tickets/' in fold
        assert f'href="/desk/tickets/{catalogued.id}?open={name}#panel-{name}"' in fold
    assert agent.name not in page  # no list of people drawn for a closed fold
    assert f'action="/desk/tickets/{catalogued.id}/status"' in page  # not folded: drawn


def test_an_uncatalogued_ticket_opens_its_catalogue_drawn(client, auth, make_ticket):
    ticket = make_ticket()
    auth.login(role="dispatcher")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    catalogue = _fold(page, "catalog")
    assert f'action="/desk/tickets/{ticket.id}/catalog"' in catalogue
    assert f'name="catalog-next" type="hidden" value="/tickets/{ticket.id}"' in catalogue
    assert 'id="panel-assign"' not in page  # nothing to assign before a kind is chosen
    assert "/folds/merge" in page and "/folds/link" in page


def test_a_fold_is_its_form_returning_to_the_page(app, client, auth, catalogued, make_user):
    make_user("agent", name="Ana Agent")
    auth.login(role="dispatcher")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.get(
            f"/desk/tickets/{catalogued.id}/folds/assign", query_string={"next": "/tickets/1?x"}
        )
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "<html" not in html and "Ana Agent</option>" in html
        assert f'action="/desk/tickets/{catalogued.id}/assign"' in html
        assert 'name="assign-next" type="hidden" value="/tickets/1?x"' in html
        assert f'name="assign-version" type="hidden" value="{catalogued.version}"' in html
        token = re.search(r'name="assign-csrf_token" type="hidden" value="([^"]+)"', html)[1]
        agent_id = re.search(r'<option value="(\d+)">Ana Agent</option>', html)[1]
        data = {
            "assign-version": catalogued.version,
            "assign-assignee": agent_id,
            "assign-group": "",
            "assign-next": f"/tickets/{catalogued.id}",
        }
        assert client.post(f"/desk/tickets/{catalogued.id}/assign", data=data).status_code == 400
        r = client.post(
            f"/desk/tickets/{catalogued.id}/assign", data={**data, "assign-csrf_token": token}
        )
        assert r.status_code == 302 and r.headers["Location"] == f"/tickets/{catalogued.id}"
        assert fresh(catalogued.id).assignee_id == int(agent_id)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_fold_never_returns_elsewhere(client, auth, catalogued):
    auth.login(role="dispatcher")
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        html = client.get(
            f"/desk/tickets/{catalogued.id}/folds/link", query_string={"next": target}
        ).get_data(as_text=True)
        assert 'name="link-next" type="hidden" value=""' in html, target


def test_a_fold_escapes_what_it_shows(client, auth, make_ticket, make_user):
    make_user("agent", name="<script>x()</script>")
    ticket = _remote(make_ticket(), make_user("dispatcher"))
    auth.login(role="dispatcher")
    html = client.get(f"/desk/tickets/{ticket.id}/folds/assign").get_data(as_text=True)
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_only_dispatchers_fetch_folds(client, auth, catalogued, role):
    auth.login(role=role)
    for name in FOLDS:
        assert client.get(f"/desk/tickets/{catalogued.id}/folds/{name}").status_code == 404


def test_a_fold_the_ticket_has_not_is_not_found(client, auth, catalogued, make_ticket):
    auth.login(role="dispatcher")
    uncatalogued = make_ticket()
    assert client.get(f"/desk/tickets/{uncatalogued.id}/folds/assign").status_code == 404
    assert client.get(f"/desk/tickets/{catalogued.id}/folds/status").status_code == 404
    assert client.get("/desk/tickets/999999/folds/catalog").status_code == 404


def test_without_a_script_the_link_opens_that_fold(client, auth, catalogued):
    auth.login(role="dispatcher")
    page = client.get(f"/desk/tickets/{catalogued.id}?open=assign").get_data(as_text=True)
    assert re.search(r'<details[^>]*id="panel-assign" open>', page)
    assert f'action="/desk/tickets/{catalogued.id}/assign"' in _fold(page, "assign")
    assert not re.search(r'<details[^>]*id="panel-merge" open>', page)
    for name in FOLDS:  # the desk's page draws every form
        assert f'action="/desk/tickets/{catalogued.id}/{name}"' in page
    unknown = client.get(f"/desk/tickets/{catalogued.id}?open=<b>").get_data(as_text=True)
    assert " open>" not in unknown.split('id="panel-catalog"')[1].split(">")[0] + ">"
