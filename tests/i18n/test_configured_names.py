"""Names an administrator configures (categories, their fields and choices, asset types,
departments) are given in each language and read in the reader's, with a fallback to the
company's language and then to whatever exists — never empty."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from dispatch.extensions import db
from dispatch.people.models import Department
from dispatch.tickets.models import Category, CategoryField
from dispatch.translated import pick

TRANSLATED_CATEGORY = {
    "name": "Printer",
    "description": "Paper, toner, jams",
    "default_kind": "onsite",
    "translations": {
        "name": {"en": "Printer", "ro": "Imprimantă"},
        "description": {"en": "Paper, toner, jams", "ro": "Hârtie, toner, blocaje"},
    },
}
PAGES_FIELD = {
    "key": "tray",
    "label": "Paper tray",
    "type": "choice",
    "choices": ["Upper", "Lower"],
    "help_text": "Which tray jams",
    "translations": {
        "label": {"en": "Paper tray", "ro": "Tava de hârtie"},
        "choices": {"en": ["Upper", "Lower"], "ro": ["Sus", "Jos"]},
        "help_text": {"en": "Which tray jams", "ro": "Care tavă se blochează"},
    },
}


@pytest.fixture
def printer(make_category):
    return make_category(fields=[PAGES_FIELD], **TRANSLATED_CATEGORY)


@pytest.fixture
def ticket(printer, make_ticket, make_user):
    department = Department(
        name="Finance", translations={"name": {"en": "Finance", "ro": "Financiar"}}
    )
    db.session.add(department)
    requester = make_user(locale="ro", department=department)
    return make_ticket(
        requester=requester,
        subject="Hârtie blocată",
        category_id=printer.id,
        fields={"tray": "Lower"},
    )


def test_a_romanian_reader_sees_romanian_names_on_the_form_and_the_ticket(
    romanian_app, client, auth, ticket
):
    auth.login(ticket.requester)
    form = client.get("/tickets/new").get_data(as_text=True)
    assert ">Imprimantă<" in form and "Tava de hârtie" in form
    assert ">Sus<" in form and ">Jos<" in form and "Care tavă se blochează" in form
    assert 'value="Lower"' in form  # what the form sends is the stored value, in any language
    assert "Paper tray" not in form and ">Printer<" not in form
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Imprimantă" in page and "Tava de hârtie" in page and ">Jos<" in page
    assert "Financiar" in page
    assert "Paper tray" not in page and "Lower" not in page


def test_an_english_reader_sees_english_names(romanian_app, client, auth, ticket):
    ticket.requester.locale = "en"
    db.session.commit()
    auth.login(ticket.requester)
    form = client.get("/tickets/new").get_data(as_text=True)
    assert ">Printer<" in form and "Paper tray" in form and ">Upper<" in form
    assert "Imprimantă" not in form and "Tava de hârtie" not in form
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Printer" in page and "Paper tray" in page and "Lower" in page
    assert "Finance" in page and "Financiar" not in page


def test_a_missing_language_falls_back_to_the_companys_then_to_any(app):
    both = {"en": "Printer", "ro": "Imprimantă"}
    with app.test_request_context(), force_locale("ro"):
        assert pick(both, "Printer") == "Imprimantă"
        # No Romanian: the company's language (English here), then the stored name.
        assert pick({"en": "Printer"}, "Printer") == "Printer"
        assert pick({}, "Printer") == "Printer"
        # Neither the reader's nor the company's, and no stored name: whatever exists.
        assert pick({"hu": "Nyomtató"}, "") == "Nyomtató"
        app.config["DEFAULT_LOCALE"] = "ro"
    with app.test_request_context(), force_locale("en"):
        # An English reader of a Romanian company, with no English name: the company's.
        assert pick({"ro": "Imprimantă"}, "Printer") == "Imprimantă"
        assert pick({"ro": ""}, "Printer") == "Printer"  # never empty


def test_a_choice_translation_that_no_longer_matches_shows_the_stored_choices(app, make_category):
    field = dict(PAGES_FIELD, translations={"choices": {"ro": ["Sus"]}})  # one line short
    category = make_category(fields=[field])
    with app.test_request_context(), force_locale("ro"):
        assert category.fields[0].choice_options() == [("Upper", "Upper"), ("Lower", "Lower")]
        assert category.fields[0].text("label") == "Paper tray"


def test_the_api_keeps_its_fields_and_adds_every_language(app, client, printer, make_user):
    from dispatch.people.services import create_token

    secret = create_token(make_user())
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "ro"}
    [category] = client.get("/api/v1/categories", headers=headers).get_json()["items"]
    assert category["name"] == "Printer"  # stable, in the company's language
    assert category["names"] == {"en": "Printer", "ro": "Imprimantă"}
    [field] = category["fields"]
    assert field["label"] == "Paper tray" and field["choices"] == ["Upper", "Lower"]
    assert field["labels"]["ro"] == "Tava de hârtie"
    assert field["choice_labels"] == {"en": ["Upper", "Lower"], "ro": ["Sus", "Jos"]}


def test_the_admin_gives_a_name_in_each_language(romanian_app, client, auth, make_user):
    auth.login(make_user("admin", locale="en"))
    form = client.get("/admin/categories/new").get_data(as_text=True)
    assert "Name (English)" in form and "Name (Română)" in form and 'name="name_ro"' in form
    assert 'name="name_en"' in form
    assert 'name="description_ro"' in form
    response = client.post(
        "/admin/categories/new",
        data={
            "name": "Network",
            "name_ro": "Rețea",
            "description": "",
            "description_ro": "",
            "default_kind": "",
            "default_duration_min": "45",
            "active": "y",
        },
    )
    assert response.status_code == 302
    category = db.session.scalar(db.select(Category).filter_by(name="Network"))
    assert category.translations == {"name": {"ro": "Rețea"}}
    edit = client.get(f"/admin/categories/{category.id}").get_data(as_text=True)
    assert 'value="Rețea"' in edit


def test_a_field_translated_with_the_wrong_number_of_choices_is_refused(
    romanian_app, client, auth, make_category, make_user
):
    category = make_category(name="Hardware")
    auth.login(make_user("admin", locale="en"))

    def post(choices_ro):
        return client.post(
            f"/admin/categories/{category.id}/fields/new",
            data={
                "label": "Device",
                "label_ro": "Echipament",
                "key": "device",
                "type": "choice",
                "choices": "Laptop\nDesktop",
                "choices_ro": choices_ro,
                "position": "0",
                "active": "y",
            },
        )

    response = post("Laptop")
    assert response.status_code == 200
    assert "Give one line for each choice, in the same order (2)." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(db.select(CategoryField).filter_by(key="device")) is None
    assert post("Laptop\nCalculator").status_code == 302
    field = db.session.scalar(db.select(CategoryField).filter_by(key="device"))
    assert field.translations == {
        "choices": {"ro": ["Laptop", "Calculator"]},
        "label": {"ro": "Echipament"},
    }


def test_the_suggestions_reason_names_the_category_in_the_readers_language(
    romanian_app, client, auth, ticket, make_user
):
    dispatcher = auth.login(make_user("dispatcher", locale="ro"))
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Imprimantă" in page and "categoria Imprimantă" in page
    dispatcher.locale = "en"
    db.session.commit()
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Requests in category Printer are usually" in page


def test_the_records_suggested_line_is_said_in_the_readers_language(romanian_app, ticket):
    from dispatch.tickets.event_text import describe
    from dispatch.tickets.models import TicketEvent

    event = db.session.scalar(
        db.select(TicketEvent).filter_by(ticket_id=ticket.id, type="suggested")
    )
    assert "reason" not in event.data  # facts, not the sentence of the moment

    def reason(language):
        with force_locale(language):
            _, details = describe(event)
            return {label: "".join(p.text for p in parts) for label, parts in details}

    assert reason("ro")["Motiv"].startswith(
        "Tipul obișnuit pentru solicitările din categoria Imprimantă"
    )
    assert reason("en")["Reason"].startswith("Requests in category Printer are usually")


def test_the_records_category_change_names_it_in_the_readers_language(romanian_app, ticket):
    """The record keeps the stored name the change was made under; each reader reads it in
    their language, in one read of the categories per language however many lines name one."""
    from flask import g

    from dispatch.tickets.event_text import describe
    from dispatch.tickets.models import TicketEvent

    event = TicketEvent(ticket_id=ticket.id, type="category", data={"old": "", "new": "Printer"})
    db.session.add(event)
    db.session.commit()

    def line(language):
        with force_locale(language):
            parts, _details = describe(event)
            return "".join(p.text for p in parts)

    assert "Imprimantă" in line("ro") and "Printer" not in line("ro")
    assert "Printer" in line("en") and "Imprimantă" not in line("en")
    assert set(g.category_names) == {"ro", "en"}


def test_an_older_suggested_line_keeps_its_sentence(romanian_app, ticket):
    from dispatch.tickets.event_text import describe
    from dispatch.tickets.models import TicketEvent

    event = TicketEvent(
        ticket_id=ticket.id,
        type="suggested",
        data={"kind": "onsite", "confidence": 0.9, "reason": "Kept as it was written"},
    )
    with force_locale("ro"):
        _, details = describe(event)
    assert ("Motiv", "Kept as it was written") in [
        (label, "".join(p.text for p in parts)) for label, parts in details
    ]


def test_the_inbox_export_names_the_category_for_its_reader(
    romanian_app, client, auth, ticket, make_user
):
    reader = auth.login(make_user("dispatcher", locale="ro"))
    assert "Imprimantă" in client.get("/desk/export.csv").get_data(as_text=True)
    reader.locale = "en"
    db.session.commit()
    export = client.get("/desk/export.csv").get_data(as_text=True)
    assert "Printer" in export and "Imprimantă" not in export


def test_an_asset_type_and_its_fields_in_the_readers_language(
    romanian_app, client, auth, make_asset_type, make_asset, make_user
):
    kind = make_asset_type(
        name="Printer",
        translations={"name": {"en": "Printer", "ro": "Imprimantă"}},
        fields=[
            {
                "key": "toner",
                "label": "Toner cartridge",
                "translations": {"label": {"en": "Toner cartridge", "ro": "Cartuș de toner"}},
            }
        ],
    )
    asset = make_asset(asset_type=kind, fields={"toner": "CF259A"})
    auth.login(make_user("dispatcher", locale="ro"))
    page = client.get(f"/assets/{asset.id}").get_data(as_text=True)
    assert "Imprimantă" in page and "Cartuș de toner" in page and "Toner cartridge" not in page


def test_the_admin_names_a_department_in_each_language(romanian_app, client, auth, make_user):
    auth.login(make_user("admin", locale="en"))
    form = client.get("/admin/departments/new").get_data(as_text=True)
    assert 'name="name_ro"' in form and "Name (Română)" in form
    skills = client.get("/admin/skills/new").get_data(as_text=True)
    assert 'name="name_ro"' not in skills  # a skill keeps one name, the staff's word for it
    response = client.post(
        "/admin/departments/new", data={"name": "Finance", "name_ro": "Financiar", "active": "y"}
    )
    assert response.status_code == 302
    department = db.session.scalar(db.select(Department).filter_by(name="Finance"))
    assert department.translations == {"name": {"ro": "Financiar"}}
    response = client.post(
        f"/admin/departments/{department.id}", data={"name": "Finance", "name_ro": "x" * 121}
    )
    assert response.status_code == 200 and "At most 120 characters." in response.get_data(
        as_text=True
    )
    db.session.refresh(department)
    assert department.translations["name"]["ro"] == "Financiar"  # nothing saved


def test_the_record_keeps_what_a_change_said_in_the_other_languages(
    romanian_app, client, auth, make_user
):
    from dispatch.audit.models import AdminEvent

    auth.login(make_user("admin", locale="en"))
    client.post("/admin/departments/new", data={"name": "Sales", "active": "y"})
    department = db.session.scalar(db.select(Department).filter_by(name="Sales"))
    client.post(
        f"/admin/departments/{department.id}",
        data={"name": "Sales", "name_ro": "Vânzări", "active": "y"},
    )
    created, changed = db.session.scalars(
        db.select(AdminEvent).filter_by(target_type="department").order_by(AdminEvent.id)
    )
    assert created.after == {"name": "Sales", "active": True}
    assert changed.after == {"in_languages": {"name": {"ro": "Vânzări"}}}
