"""The inbox and the queue page by cursor: walking the next links shows every ticket once, in
the order of the whole list, whatever the sort and however many rows tie; the previous links
walk back the same pages; a cursor the list did not make gives its first page, never an error."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from dispatch.desk import queries
from dispatch.extensions import db
from dispatch.tickets.models import Ticket

ROW = re.compile(r'<tr data-ticket="(\d+)"')
NEXT = re.compile(r'rel="next" href="([^"#]+)"')
PREV = re.compile(r'rel="prev" href="([^"#]+)"')


@pytest.fixture
def company(make_ticket, make_site, make_department, make_category, make_user):
    """23 open tickets that tie a lot: one creation time for all, three priorities, some
    without a site, department, category or kind."""
    sites = [make_site(name=n) for n in ("Arad", "Brașov")]
    departments = [make_department(name="Finance")]
    categories = [make_category(name=n) for n in ("Network", "Printers")]
    moment = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    made = []
    for i in range(23):
        requester = make_user(department_id=departments[0].id if i % 3 else None)
        ticket = make_ticket(
            requester=requester,
            subject=f"Ticket {i % 4}",
            site_id=sites[i % 2].id if i % 5 else None,
            category_id=categories[i % 2].id if i % 4 else None,
        )
        ticket.created_at = moment
        ticket.priority = ("low", "normal", "high")[i % 3]
        ticket.kind = (None, "remote", "onsite")[i % 3]
        made.append(ticket.id)
    db.session.commit()
    return made


def _rows(body: str) -> list[int]:
    return [int(n) for n in ROW.findall(body)]


def _walk(client, url: str, link: re.Pattern) -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        pages.append(_rows(body))
        found = link.search(body)
        url = html.unescape(found.group(1)) if found else None
        assert len(pages) < 50, "the links go round in circles"
    return pages


SORTS = [("", "")] + [(s, d) for s in queries.SORTS for d in ("asc", "desc")]


@pytest.mark.parametrize("sort, direction", SORTS)
def test_walking_the_pages_shows_every_ticket_once_in_order(
    app, client, auth, company, sort, direction
):
    auth.login(role="dispatcher")
    args = f"sort={sort}&dir={direction}&status=all"
    app.config["TICKETS_PER_PAGE"] = 100
    whole = _rows(client.get(f"/desk/inbox?{args}").get_data(as_text=True))
    assert sorted(whole) == sorted(company)
    app.config["TICKETS_PER_PAGE"] = 5
    pages = _walk(client, f"/desk/inbox?{args}", NEXT)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [t for p in pages for t in p] == whole  # the same order, nothing twice or lost
    # From the last page, the previous links walk back through the same pages.
    last = client.get(f"/desk/inbox?{args}").get_data(as_text=True)
    for _ in range(4):
        last = client.get(html.unescape(NEXT.search(last).group(1))).get_data(as_text=True)
    back = _walk(client, html.unescape(PREV.search(last).group(1)), PREV)
    assert back == pages[-2::-1]


def test_the_default_order_is_new_first_then_urgent_then_oldest(app, client, auth, company):
    auth.login(role="dispatcher")
    app.config["TICKETS_PER_PAGE"] = 100
    shown = _rows(client.get("/desk/inbox").get_data(as_text=True))
    rank = {"high": 0, "normal": 1, "low": 2}
    tickets = {t.id: t for t in db.session.scalars(db.select(Ticket))}
    assert shown == sorted(company, key=lambda i: (rank[tickets[i].priority], i))


def test_filters_and_sort_stay_on_the_links(app, client, auth, company):
    auth.login(role="dispatcher")
    app.config["TICKETS_PER_PAGE"] = 2
    body = client.get("/desk/inbox?q=ticket+1&sort=site&dir=desc").get_data(as_text=True)
    link = html.unescape(NEXT.search(body).group(1))
    assert "q=ticket+1" in link and "sort=site" in link and "dir=desc" in link
    assert "page=" not in link


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        "W10",  # []
        "x" * 5000,
        "WyJpbmJveCIsImEiLFsiYSIsMSwyLDNdXQ",  # right list, a word where a number goes
        "WyJpbmJveDpzaXRlOmFzYyIsImEiLFswLCJBcmFkIiwxXV0",  # another sort's cursor
        "WyJpbmJveCIsImEiLFsxXV0",  # too few values
        "WyJpbmJveCIsIngiLFsxLDIsIjIwMjYtMTEtMDIiLDNdXQ",  # neither forwards nor back
        "WyJpbmJveCIsImEiLFsxLDIsIm5vdCBhIGRhdGUiLDNdXQ",  # a date that is not one
        "WyJpbmJveCIsImEiLFt0cnVlLDIsIjIwMjYtMTEtMDIiLDNdXQ",  # true is not a number
    ],
)
def test_a_bad_cursor_gives_the_first_page_and_says_so(app, client, auth, company, cursor):
    auth.login(role="dispatcher")
    app.config["TICKETS_PER_PAGE"] = 5
    first = _rows(client.get("/desk/inbox").get_data(as_text=True))
    response = client.get("/desk/inbox", query_string={"cursor": cursor})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert _rows(body) == first
    assert "That page link is not valid for this list" in body


def test_a_cursor_past_a_closed_ticket_still_works(app, client, auth, company, make_user):
    """Keyset pages do not shift when a row goes: the next page starts after the last row
    shown, even if that row has since left the list."""
    auth.login(role="dispatcher")
    app.config["TICKETS_PER_PAGE"] = 5
    body = client.get("/desk/inbox?sort=number").get_data(as_text=True)
    shown = _rows(body)
    db.session.get(Ticket, shown[-1]).status = "closed"
    db.session.commit()
    second = _rows(client.get(html.unescape(NEXT.search(body).group(1))).get_data(as_text=True))
    assert second == sorted(company)[5:10]


def test_the_count_says_more_than_past_the_cap(client, auth, company, monkeypatch):
    auth.login(role="dispatcher")
    assert "23 tickets" in client.get("/desk/inbox").get_data(as_text=True)
    monkeypatch.setattr(queries, "COUNT_CAP", 20)
    body = client.get("/desk/inbox").get_data(as_text=True)
    assert "more than 20 tickets" in body and "23 tickets" not in body


def test_the_queue_pages_by_cursor(app, client, auth, make_ticket):
    agent = auth.login(role="agent")
    made = []
    for i in range(7):
        t = make_ticket(subject=f"Queue {i}")
        t.kind, t.status, t.assignee_id = "remote", "assigned", agent.id
        made.append(t.id)
    db.session.commit()
    app.config["TICKETS_PER_PAGE"] = 3
    pages = _walk(client, "/desk/queue?tab=mine", NEXT)
    assert [t for p in pages for t in p] == made  # equal priority: oldest first
    body = client.get("/desk/queue", query_string={"tab": "mine", "cursor": "bad"})
    assert body.status_code == 200 and _rows(body.get_data(as_text=True)) == made[:3]
