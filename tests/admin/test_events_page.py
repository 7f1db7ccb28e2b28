"""The record of administration's page (/admin/events) and its CSV export."""

import csv
import io
from datetime import UTC, datetime

import pytest

from dispatch.admin.events import EVENTS_PER_PAGE
from dispatch.audit.models import AdminEvent
from dispatch.extensions import db


def add(
    at: datetime,
    actor="Ana <ana@example.com>",
    action="created",
    kind="site",
    name="HQ",
    before=None,
    after=None,
):
    db.session.add(
        AdminEvent(
            created_at=at,
            actor_name=actor,
            action=action,
            target_type=kind,
            target_id=1,
            target_name=name,
            before=before,
            after=after,
        )
    )
    db.session.commit()


def day(d: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, d, hour, tzinfo=UTC)


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


def test_newest_first_as_sentences(client, admin):
    add(day(1), name="Old site")
    add(
        day(2),
        action="changed",
        kind="user",
        name="bob@example.com",
        before={"role": "agent", "active": True},
        after={"role": "admin", "active": False},
    )
    page = client.get("/admin/events").get_data(as_text=True)
    assert page.index("bob@example.com") < page.index("Old site")
    assert "Ana &lt;ana@example.com&gt; created site “Old site”." in page
    assert "changed user “bob@example.com”: role: agent → admin; active: yes → no." in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("actor=bea", "Second", "First"),
        ("actor=%25", None, "First"),  # a % typed is a %, not "anything"
        ("action=deleted", "Second", "First"),
        ("target_type=department", "Second", "First"),
        ("date_from=2026-03-02", "Second", "First"),
        ("date_to=2026-03-01", "First", "Second"),
        ("date_from=2026-03-01&date_to=2026-03-01", "First", "Second"),
    ],
)
def test_filters(client, admin, query, shown, hidden):
    add(day(1), name="First")
    add(day(2), actor="Bea <bea@example.com>", action="deleted", kind="department", name="Second")
    page = client.get(f"/admin/events?{query}").get_data(as_text=True)
    assert f"“{hidden}”" not in page
    if shown:
        assert f"“{shown}”" in page
    else:
        assert "Nothing recorded matches." in page


def test_dates_are_whole_days_in_the_viewers_zone(client, auth, make_user, make_site):
    auth.login(make_user("admin", site=make_site(timezone="Europe/Bucharest")))
    add(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), name="Late")  # 2 March in Bucharest
    assert "“Late”" in client.get("/admin/events?date_from=2026-03-02").get_data(as_text=True)
    assert "“Late”" not in client.get("/admin/events?date_to=2026-03-01").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=yesterday", "From: not a date"),
        ("date_to=2026-13-01", "To: not a date"),
        ("date_from=2026-03-05&date_to=2026-03-01", "The end date is before the start date."),
        ("action=renamed", "Unknown action"),
        ("target_type=planet", "Unknown kind of target"),
    ],
)
def test_bad_filters_are_named_and_left_out(client, admin, query, message):
    add(day(6), name="First")
    response = client.get(f"/admin/events?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "“First”" in page


def test_pages_keep_the_filters(client, admin):
    for i in range(EVENTS_PER_PAGE + 1):
        add(day(1, 0).replace(minute=i % 60, second=i // 60), name=f"S{i:03d}")
    first = client.get("/admin/events?action=created").get_data(as_text=True)
    assert "“S050”" in first and "“S000”" not in first
    assert "page=2" in first and "action=created&amp;page=2" in first
    second = client.get("/admin/events?action=created&page=2").get_data(as_text=True)
    assert "“S000”" in second and "“S050”" not in second


def test_csv_export_is_filtered_and_safe_in_a_spreadsheet(client, admin):
    add(day(1), actor='=HYPERLINK("http://x")', name="@SUM(A1)", after={"name": "+1"})
    add(day(2), action="deleted", name="Other")
    response = client.get("/admin/events.csv?action=created")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, (row,) = rows[0], rows[1:]
    assert header[:6] == ["When (UTC)", "Who", "Action", "Kind", "Id", "Name"]
    assert row[1] == '\'=HYPERLINK("http://x")' and row[5] == "'@SUM(A1)"
    assert row[2] == "created" and row[7] == '{"name": "+1"}'
    assert row[8].startswith("'=HYPERLINK")


@pytest.mark.parametrize("role", ["employee", "agent", "technician", "dispatcher"])
def test_other_roles_get_404(client, auth, role):
    add(day(1))
    auth.login(role=role)
    assert client.get("/admin/events").status_code == 404
    assert client.get("/admin/events.csv").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/admin/events", "/admin/events.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_record_has_no_way_to_change_it(client, admin):
    add(day(1))
    for method in (client.post, client.put, client.delete):
        assert method("/admin/events").status_code == 405
