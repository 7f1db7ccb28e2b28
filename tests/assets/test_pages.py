"""The asset pages: searching and paging, the editor with a type's own fields, the history."""

from __future__ import annotations

import re
from datetime import timedelta

from dispatch.assets.models import Asset
from dispatch.extensions import db
from dispatch.planning.models import PlanRun, Visit, VisitStatus
from dispatch.types import utcnow


def test_search_by_tag_serial_model_or_room_and_paging(app, client, auth, make_user, make_asset):
    make_asset(tag="PR-0001", serial="SN-XYZ", model="LaserJet 400", room="Sala 12")
    make_asset(tag="LT-0002", model="ThinkPad", room="201")
    for i in range(30):
        make_asset(tag=f"ZZ-{i:03d}")
    auth.login(make_user("dispatcher"))
    for q, hit in (("pr-0001", "PR-0001"), ("xyz", "PR-0001"), ("thinkpad", "LT-0002"),
                   ("sala 12", "PR-0001")):  # fmt: skip
        text = client.get("/assets", query_string={"q": q}).get_data(as_text=True)
        assert hit in text
        assert ("LT-0002" in text) == (hit == "LT-0002")
    app.config["ASSETS_PER_PAGE"] = 25
    first = client.get("/assets").get_data(as_text=True)
    assert "LT-0002" in first and "ZZ-022" in first and "ZZ-023" not in first
    cursor = first.split("cursor=")[1].split("&")[0].split('"')[0]
    second = client.get(f"/assets?cursor={cursor}").get_data(as_text=True)
    assert "ZZ-023" in second and "ZZ-029" in second and "LT-0002" not in second
    assert client.get("/assets?cursor=garbage").status_code == 200  # the first page


def test_search_ignores_diacritics(client, auth, make_user, make_asset):
    make_asset(tag="PR-0100", room="Sala Ședințe", model="Imprimantă color")
    make_asset(tag="PR-0101", room="Şcoala veche")  # the legacy cedilla
    make_asset(tag="PR-0102", room="Hol")
    auth.login(make_user("dispatcher"))
    for q, hits in (("sedinte", {"PR-0100"}), ("imprimanta", {"PR-0100"}), ("școala", {"PR-0101"}),
                    ("SALA ȘEDINȚE", {"PR-0100"})):  # fmt: skip
        text = client.get("/assets", query_string={"q": q}).get_data(as_text=True)
        assert {t for t in ("PR-0100", "PR-0101", "PR-0102") if t in text} == hits, q


def test_the_editor_creates_an_asset_with_its_type_s_fields(
    client, auth, make_user, make_asset_type, make_site
):
    printer = make_asset_type(
        name="Printer",
        fields=[{"key": "toner", "label": "Toner", "type": "text", "required": True}],
    )
    site = make_site()
    owner = make_user("employee")
    auth.login(make_user("dispatcher"))
    data = {
        "type": str(printer.id), "tag": "pr-0042", "model": "M404", "site": str(site.id),
        "room": "12", "owner": owner.email, "status": "in_use", "purchased_on": "2025-03-01",
    }  # fmt: skip
    missing = client.post("/assets/new", data=data)
    assert missing.status_code == 400
    assert "Toner is required." in missing.get_data(as_text=True)
    response = client.post("/assets/new", data={**data, f"fields-{printer.id}-toner": "CF259A"})
    assert response.status_code == 302
    asset = db.session.scalar(db.select(Asset))
    assert (asset.tag, asset.owner_id, asset.fields) == ("PR-0042", owner.id, {"toner": "CF259A"})
    again = client.post("/assets/new", data={**data, f"fields-{printer.id}-toner": "x"})
    assert again.status_code == 400
    assert "Another asset already has the tag PR-0042." in again.get_data(as_text=True)
    bad = client.post(
        "/assets/new",
        data={**data, "tag": "=cmd", "purchased_on": "yesterday", "owner": "nobody@example.com"},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Nobody has the address nobody@example.com." in page


def test_the_editor_refuses_a_stale_version(client, auth, make_user, make_asset):
    asset = make_asset(tag="LT-1")
    auth.login(make_user("admin"))
    form = {"type": str(asset.type_id), "tag": "LT-1", "status": "spare", "version": "1"}
    assert client.post(f"/assets/{asset.id}/edit", data=form).status_code == 302
    stale = client.post(f"/assets/{asset.id}/edit", data={**form, "status": "retired"})
    assert stale.status_code == 302
    db.session.expire_all()
    assert db.session.get(Asset, asset.id).status == "spare"


def test_the_history_shows_requests_visits_and_a_repeat_failure(
    client, auth, make_user, make_asset, make_ticket
):
    asset = make_asset(tag="PR-9")
    tech = make_user("technician")
    run = PlanRun(first_day=utcnow().date())
    db.session.add(run)
    now = utcnow()
    tickets = []
    for days_ago in (80, 40, 5):
        t = make_ticket(subject=f"Jam {days_ago}")
        t.asset_id, t.kind = asset.id, "onsite"
        start = now - timedelta(days=days_ago)
        db.session.add(Visit(plan_run=run, ticket=t, technician=tech, day=start.date(),
                             planned_start=start, planned_end=start + timedelta(hours=1),
                             status=VisitStatus.DONE, time_spent_min=35))  # fmt: skip
        tickets.append(t)
    db.session.commit()
    auth.login(make_user("dispatcher"))
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Repeat failure" in page
    assert all(f"Jam {d}" in page for d in (80, 40, 5)) and tech.name in page
    assert "105 min" in page  # time on site, all visits
    db.session.delete(db.session.scalars(db.select(Visit)).first())
    db.session.commit()
    assert "Repeat failure" not in client.get(f"/assets/{asset.id}").get_data(as_text=True)


def test_the_editor_and_the_import_refuse_a_post_without_its_csrf_token(
    app, client, auth, make_user, make_asset_type
):
    kind = make_asset_type()
    auth.login(make_user("admin"))
    app.config["WTF_CSRF_ENABLED"] = True
    data = {"type": str(kind.id), "tag": "CS-1", "status": "in_use"}
    assert client.post("/assets/new", data=data).status_code == 400
    assert client.post("/assets/import", data={"content": "tag,type\nCS-2,x\n"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 0
    page = client.get("/assets/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/assets/new", data={**data, "csrf_token": token}).status_code == 302


def test_search_text_is_taken_literally(client, auth, make_user, make_asset):
    make_asset(tag="A_1", room="100%")
    make_asset(tag="AB1", room="1000")
    auth.login(make_user("agent"))
    page = client.get("/assets", query_string={"q": "a_1"}).get_data(as_text=True)
    assert "A_1" in page and "AB1" not in page
    page = client.get("/assets", query_string={"q": "100%"}).get_data(as_text=True)
    assert "A_1" in page and "AB1" not in page
    page = client.get("/assets", query_string={"q": '"><script>x()</script>'}).get_data(
        as_text=True
    )
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page
