"""CSV import (preview, faults by line and column, all or nothing) and export (round trip,
safe in a spreadsheet), on the page and on the command line."""

from __future__ import annotations

import csv
import io
import re

import pytest

from dispatch.assets.models import Asset
from dispatch.audit.models import AdminEvent
from dispatch.extensions import db


@pytest.fixture
def company(make_site, make_user, make_department, make_asset_type):
    site = make_site(name="Cluj Centru", code="CLJ")
    printer = make_asset_type(
        name="Printer", fields=[{"key": "toner", "label": "Toner", "type": "text"}]
    )
    return dict(site=site, printer=printer, owner=make_user("employee"),
                dept=make_department(name="Finance"))  # fmt: skip


def _good(company, rows=3):
    lines = ["tag,type,model,site,room,owner,department,status,purchased_on,field:toner"]
    for i in range(rows):
        lines.append(f"PR-{i:03d},printer,M404,CLJ,Sala {i},,Finance,in use,2025-01-0{i + 1},CF{i}")
    lines.append(f"LT-001,Printer,X,Cluj Centru,1,{company['owner'].email},,spare,,")
    return "\n".join(lines) + "\n"


def _upload(client, text, name="assets.csv"):
    return client.post(
        "/assets/import",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_a_good_file_is_previewed_then_imported_whole(client, auth, make_user, company):
    auth.login(make_user("admin"))
    preview = _upload(client, _good(company))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "4 new assets, 0 updated" in page
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 0  # nothing yet
    response = client.post("/assets/import", data={"content": _good(company)})
    assert response.status_code == 302
    assets = {a.tag: a for a in db.session.scalars(db.select(Asset))}
    assert set(assets) == {"PR-000", "PR-001", "PR-002", "LT-001"}
    assert assets["PR-001"].fields == {"toner": "CF1"}
    assert assets["PR-001"].department == company["dept"]
    assert assets["LT-001"].owner == company["owner"] and assets["LT-001"].status == "spare"
    assert (
        db.session.scalar(
            db.select(db.func.count(AdminEvent.id)).where(AdminEvent.target_type == "asset")
        )
        == 4
    )
    again = _upload(client, _good(company)).get_data(as_text=True)
    assert "0 new assets, 4 updated" in again


def test_every_bad_cell_is_named_by_line_and_column_and_nothing_is_imported(
    client, auth, make_user, company
):
    auth.login(make_user("dispatcher"))
    text = (
        "tag;type;site;owner;status;warranty_until;field:toner;field:nope\n"
        "OK-1;Printer;CLJ;;in_use;;;\n"
        "bad tag!;Printer;CLJ;;in_use;;;\n"
        "OK-2;Scanner;Nowhere;ghost@example.com;broken;31/12/2026;;\n"
        "ok-1;Printer;;;;;;x\n"
    )
    response = _upload(client, text)
    assert response.status_code == 400
    table = response.get_data(as_text=True).split('id="problems"')[1]
    found = set(re.findall(r"<tr><td>(\d+)</td><td><code>([^<]*)</code>", table))
    assert {("3", "tag"), ("4", "type"), ("4", "site"), ("4", "owner"), ("4", "status"),
            ("4", "warranty_until"), ("5", "tag"), ("5", "field:nope")} <= found  # fmt: skip
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 0
    # Sent as "checked" anyway (a tampered form): still nothing.
    assert client.post("/assets/import", data={"content": text}).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 0


def test_an_unknown_column_or_a_missing_one_is_named_on_line_1(client, auth, make_user, company):
    auth.login(make_user("admin"))
    page = _upload(client, "tag,colour\nA-1,red\n").get_data(as_text=True)
    assert "colour" in page and "Unknown column." in page and "This column is required." in page
    assert _upload(client, "\xff\xfe").status_code == 400


def test_the_export_comes_back_in_unchanged_and_is_safe_in_a_spreadsheet(
    client, auth, make_user, company, make_asset
):
    make_asset(tag="PR-1", type=company["printer"], site=company["site"], room="=1+1",
               notes="@SUM(A1)", model="-2", fields={"toner": "=cmd|' /C calc'!A0"})  # fmt: skip
    auth.login(make_user("admin"))
    response = client.get("/assets/export.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["room"] == "'=1+1" and rows[0]["notes"] == "'@SUM(A1)"
    assert rows[0]["model"] == "'-2" and rows[0]["field:toner"].startswith("'=")
    assert rows[0]["site"] == "CLJ"
    preview = _upload(client, text).get_data(as_text=True)
    assert "0 new assets, 1 updated" in preview
    assert client.post("/assets/import", data={"content": text}).status_code == 302
    asset = db.session.scalar(db.select(Asset))
    assert (asset.room, asset.notes, asset.model) == ("=1+1", "@SUM(A1)", "-2")


def test_only_dispatchers_and_admins_import_and_export(client, auth, make_user, company):
    for role in ("employee", "agent", "technician"):
        auth.login(make_user(role))
        assert client.get("/assets/import").status_code == 404
        assert _upload(client, _good(company)).status_code == 404
        assert client.get("/assets/export.csv").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 0


def test_the_command_line_imports_with_a_dry_run_first(runner, company, tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text(_good(company))
    dry = runner.invoke(args=["assets", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Would import 4 assets: 4 new, 0 updated." in dry.output
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 0
    done = runner.invoke(args=["assets", "import", str(path)])
    assert done.exit_code == 0 and "Imported 4 assets" in done.output
    assert db.session.scalar(db.select(db.func.count(Asset.id))) == 4
    path.write_text("tag,type\nX-1,Nope\n")
    bad = runner.invoke(args=["assets", "import", str(path)])
    assert bad.exit_code == 1 and "line 2, column type: Unknown: Nope." in bad.output
