"""The reports page and its exports: who may see them, the filters, the files' safety."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket
from tests.reports.conftest import at

PERIOD = {"start": "2026-11-02", "end": "2026-11-29"}


@pytest.fixture
def data(old_ticket, make_site):
    site = make_site(name='=HYPERLINK("http://evil")')
    old_ticket(at(1), at(2), kind="remote", site=site, stops_work=True)
    old_ticket(at(3), kind="onsite", channel="email")
    return site


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_only_dispatchers_and_admins_see_reports(client, auth, role):
    auth.login(role=role)
    assert client.get("/reports/").status_code == 404
    assert client.get("/reports/volume.csv").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["dispatcher", "admin"])
def test_the_page_shows_each_figure_as_a_chart_and_a_table(client, auth, data, role):
    auth.login(role=role)
    page = client.get("/reports/", query_string=PERIOD).get_data(as_text=True)
    for title in ("Requests created and resolved per week", "Remote and on-site", "Downtime"):
        assert title in page
    assert page.count('<svg class="report-chart"') >= 3
    assert "<caption" in page and 'scope="col"' in page
    # The site's name is text, never markup, in the table and in the chart.
    assert "=HYPERLINK(&#34;http://evil&#34;)" in page or "=HYPERLINK(&quot;" in page
    assert '"http://evil"' not in page


def test_filters_change_the_figures(client, auth, data):
    auth.login(role="dispatcher")
    wanted = dict(PERIOD, channel="email")
    body = client.get("/reports/volume.csv", query_string=wanted).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Week from", "Channel", "Created", "Resolved", "Open at the week's end"]
    assert {r[1] for r in rows[1:]} == {"Mail"}
    assert sum(int(r[2]) for r in rows[1:]) == 1


def test_a_bad_period_is_said_and_the_default_shown(client, auth):
    auth.login(role="dispatcher")
    page = client.get("/reports/", query_string={"start": "2026-12-01", "end": "2026-01-01"})
    assert page.status_code == 200
    assert "The period must end after it starts." in page.get_data(as_text=True)


def test_the_page_speaks_romanian(client, auth, make_user):
    user = make_user("dispatcher", locale="ro")
    auth.login(user)
    page = client.get("/reports/", query_string=PERIOD).get_data(as_text=True)
    assert "Rapoarte" in page and "Solicitări create și rezolvate pe săptămână" in page


def test_csv_export_is_formula_safe(client, auth, data):
    auth.login(role="admin")
    response = client.get("/reports/downtime.csv", query_string=PERIOD)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][2:] == ["1", "24.0"]


def test_xlsx_export_holds_text_not_formulas(client, auth, data):
    auth.login(role="admin")
    response = client.get("/reports/downtime.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(response.data))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    assert re.search(r"<v>24</v>", sheet)


def test_unknown_report_or_format_is_404(client, auth):
    auth.login(role="dispatcher")
    assert client.get("/reports/nothing.csv").status_code == 404
    assert client.get("/reports/volume.pdf").status_code == 404


@pytest.mark.parametrize(("answer", "stored"), [("yes", True), ("no", False)])
def test_the_request_form_asks_whether_it_stops_work(client, auth, answer, stored):
    auth.login(role="employee")
    assert "Does this stop your work?" in client.get("/tickets/new").get_data(as_text=True)
    response = client.post(
        "/tickets/new",
        data={
            "subject": "Screen black",
            "impact": "medium",
            "urgency": "high",
            "stops_work": answer,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.data[:300]
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert ticket.stops_work is stored
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert re.search(r"Stops work</dt>\s*<dd[^>]*>" + ("Yes" if stored else "No"), page)


def test_exports_are_rate_limited(make_app, make_user):
    from tests.conftest import PASSWORD

    limited = make_app()
    client = limited.test_client()
    user = make_user("dispatcher")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    codes = [client.get("/reports/kinds.csv").status_code for _ in range(32)]
    assert codes[:30] == [200] * 30 and codes[30:] == [429, 429]
