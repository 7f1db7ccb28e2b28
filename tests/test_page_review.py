"""Details a reader of the pages sees in a browser: what they show and where."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from dispatch.extensions import db
from dispatch.planning.models import PlanRun, RunStatus
from dispatch.tickets.models import Kind, Status
from dispatch.tickets.sentences import plain_text


def _ids(html: str) -> Counter:
    return Counter(re.findall(r'\sid="([^"]+)"', html))


def _onsite(make_site, make_ticket, **kw):
    site = make_site()
    ticket = make_ticket(subject="Printer jams", site_id=site.id)
    ticket.kind, ticket.status = Kind.ONSITE, Status.TO_SCHEDULE
    for key, value in kw.items():
        setattr(ticket, key, value)
    db.session.commit()
    return ticket


def test_unlocated_address_is_said_outside_the_folded_catalogue(
    client, auth, make_site, make_ticket
):
    ticket = _onsite(
        make_site, make_ticket, address="Nowhere Street 999", latitude=None, longitude=None
    )
    auth.login(role="dispatcher")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    warning, catalogue = page.index('id="job-unlocated"'), page.index('id="panel-catalog"')
    assert warning < catalogue  # seen without opening anything
    assert f'href="/desk/tickets/{ticket.id}/point"' in page[warning:catalogue]
    assert page.count("This address could not be located") == 1
    # The facts say where the job is.
    assert re.search(r">Job address</dt>\s*<dd[^>]*>Nowhere Street 999</dd>", page)


def test_located_job_has_no_warning(client, auth, make_site, make_ticket):
    ticket = _onsite(make_site, make_ticket, address="Main Street 1", latitude=46.7, longitude=23.6)
    auth.login(role="dispatcher")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="job-unlocated"' not in page and f"/desk/tickets/{ticket.id}/point" in page


def test_inbox_forms_do_not_share_field_ids(client, auth, make_ticket):
    make_ticket()
    auth.login(role="dispatcher")
    page = client.get("/desk/inbox").get_data(as_text=True)
    twice = [i for i, n in _ids(page).items() if n > 1 and i != "csrf_token"]
    assert twice == []
    assert 'for="bulk-address"' in page and 'id="bulk-address"' in page
    assert 'name="address"' in page  # the posted name is unchanged


def test_planning_forms_do_not_share_field_ids(client, auth):
    auth.login(role="dispatcher")
    page = client.get("/planning/").get_data(as_text=True)
    twice = [i for i, n in _ids(page).items() if n > 1 and i != "csrf_token"]
    assert twice == []
    assert 'for="replan-time_limit"' in page
    assert page.count('name="time_limit"') == 2


def test_what_moved_links_each_ticket(client, auth, make_ticket, make_user):
    ticket = make_ticket(subject="Docking station <b>dead</b>")
    number = f"#{ticket.id}"
    run = PlanRun(
        first_day=date(2030, 1, 7),
        kind="replan",
        status=RunStatus.DONE,
        created_by_id=make_user("dispatcher").id,
        result={
            "summary": {"visits": 0, "unassigned": 0, "travel_minutes": 0},
            "moves": [
                {
                    "ticket_id": ticket.id,
                    "change": "dropped",
                    "number": number,
                    "text": f"{number} {ticket.subject}: no longer planned today.",
                }
            ],
        },
    )
    db.session.add(run)
    db.session.commit()
    auth.login(role="dispatcher")
    page = client.get(f"/planning/runs/{run.id}").get_data(as_text=True)
    moves = page[page.index('id="what-moved"') :]
    link = f'<a href="/tickets/{ticket.id}">{number}</a>'
    assert f"{link} Docking station &lt;b&gt;dead&lt;/b&gt;" in moves
    assert "<b>dead</b>" not in page
    assert 'href="/planning/"' in page  # back to every plan


def test_empty_list_reads_as_nothing(app):
    assert plain_text([]) == "—"
    assert plain_text(["printers", "network"]) == "printers, network"


def test_password_pages_offer_a_way_back(client, auth):
    auth.login(role="employee")
    page = client.get("/account/password").get_data(as_text=True)
    assert ">Cancel</a>" in page
    invalid = client.get("/password/reset/not-a-link").get_data(as_text=True)
    assert "Back to Dispatch" in invalid and ">Sign in</a>" not in invalid
    client.post("/logout")
    invalid = client.get("/password/reset/not-a-link").get_data(as_text=True)
    assert ">Sign in</a>" in invalid


def test_emptied_values_read_as_a_dash_in_the_history(
    client, auth, make_site, make_ticket, make_user
):
    from dispatch.tickets.services import record

    ticket = _onsite(make_site, make_ticket)
    record(
        ticket,
        make_user("dispatcher"),
        "fields",
        internal=True,
        old={"address": "", "skills": []},
        new={"address": "Main Street 1", "skills": ["printers"]},
    )
    db.session.commit()
    auth.login(role="dispatcher")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    text = " ".join(page.split())
    assert "address: — → Main Street 1" in text and "skills: — → printers" in text


def test_recent_plans_name_kind_and_state_in_words(client, auth, make_user):
    db.session.add(
        PlanRun(
            first_day=date(2030, 1, 7),
            kind="replan",
            status=RunStatus.SUPERSEDED,
            created_by_id=make_user("dispatcher").id,
        )
    )
    db.session.commit()
    auth.login(role="dispatcher")
    page = client.get("/planning/").get_data(as_text=True)
    assert "<td>re-plan</td>" in page and ">superseded</span>" in page


def _bulk(client, tickets, **values):
    data = {
        "ticket": [f"{t.id}:{t.version}" for t in tickets],
        "kind": "onsite",
        "category": "",
        "priority": "",
        "next": "/desk/inbox",
    }
    data.update(values)
    return client.post("/desk/bulk", data=data, follow_redirects=True).get_data(as_text=True)


def test_bulk_catalogue_says_when_the_address_could_not_be_located(
    client, auth, make_site, make_ticket, monkeypatch
):
    from dispatch.tickets import bulk

    site = make_site()
    tickets = [make_ticket(site_id=site.id) for _ in range(2)]
    auth.login(role="dispatcher")
    monkeypatch.setattr(
        bulk, "locate", lambda address: dict(address=address, latitude=None, longitude=None)
    )
    page = _bulk(client, tickets, address="Nowhere Street 999")
    assert "2 tickets catalogued." in page
    assert "The address could not be located" in page
    assert all(f"#{t.id}" in page for t in tickets)
    monkeypatch.setattr(
        bulk, "locate", lambda address: dict(address=address, latitude=46.7, longitude=23.6)
    )
    one = make_ticket(site_id=site.id)
    page = _bulk(client, [one], address="Main Street 1")
    assert "1 ticket catalogued." in page and "could not be located" not in page
