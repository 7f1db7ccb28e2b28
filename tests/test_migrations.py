"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from dispatch import create_app
from dispatch.extensions import db, schema_filter


@pytest.fixture
def empty_database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    # A throw-away database beside the test database on the same server.
    name = f"dispatch_migrations_{uuid.uuid4().hex[:8]}"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_matches_models_and_downgrades(empty_database):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "m", "MAIL_OPEN_INTAKE": True}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn,
                    opts={
                        "compare_type": True,
                        "render_as_batch": True,
                        "include_object": schema_filter(conn.dialect.name),
                    },
                ),
                db.metadata,
            )
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


def test_the_search_migration_folds_existing_tickets(empty_database):
    from dispatch.people.models import User
    from dispatch.tickets.models import Ticket

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "m", "MAIL_OPEN_INTAKE": True}
    )
    with app.app_context():
        upgrade()
        user = User(email="a@example.com", name="A", password_hash="x", role="employee")
        db.session.add(user)
        for subject in ("Imprimantă", "Şters", "Țeavă"):
            db.session.add(Ticket(requester=user, subject=subject, description="Nu merge"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0006_admin_events")  # the tickets stay, their search text goes
        upgrade()  # and is made again from their subjects and descriptions
        with db.engine.connect() as conn:
            folded = conn.execute(text("SELECT search_text FROM ticket ORDER BY id")).scalars()
            assert list(folded) == ["imprimanta\nnu merge", "sters\nnu merge", "teava\nnu merge"]
        db.engine.dispose()


def test_the_maintenance_migration_links_tickets_to_their_tagged_assets(empty_database):
    from dispatch.assets.models import Asset, AssetType
    from dispatch.people.models import User
    from dispatch.tickets.models import Category, CategoryField, Ticket

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "m", "MAIL_OPEN_INTAKE": True}
    )
    with app.app_context():
        upgrade()
        user = User(email="a@example.com", name="A", password_hash="x", role="employee")
        category = Category(name="Hardware")
        category.fields.append(CategoryField(key="tag", label="Tag", type="asset_tag"))
        db.session.add_all([user, category])
        db.session.add(Asset(type=AssetType(name="Printer"), tag="PR-0042"))
        db.session.add(
            Ticket(requester=user, subject="Jam", category=category, fields={"tag": " pr-0042"})
        )
        db.session.add(
            Ticket(requester=user, subject="Other", category=category, fields={"tag": "PR-9"})
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="0016_ticket_merged_index")
        upgrade()
        with db.engine.connect() as conn:
            linked = conn.execute(text("SELECT subject, asset_id FROM ticket ORDER BY id")).all()
            events = conn.execute(
                text("SELECT ticket_id, type, data FROM ticket_event WHERE type = 'asset'")
            ).all()
        assert [(s, a is not None) for s, a in linked] == [("Jam", True), ("Other", False)]
        assert len(events) == 1 and "PR-0042" in str(events[0][2])
        db.engine.dispose()


def test_existing_names_become_the_company_languages(empty_database):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "SECRET_KEY": "m",
            "MAIL_OPEN_INTAKE": True,
            "DEFAULT_LOCALE": "ro",
        }
    )
    with app.app_context():
        upgrade(revision="0016_ticket_merged_index")
        rows = [
            "INSERT INTO category (id, name, description, default_duration_min, active) "
            "VALUES (1, 'Imprimantă', '', 60, true)",
            "INSERT INTO category_field (id, category_id, key, label, type, required, choices, "
            "help_text, position, active) "
            "VALUES (1, 1, 'tava', 'Tava', 'choice', false, '[\"Sus\", \"Jos\"]', '', 0, true)",
            "INSERT INTO department (id, name, active) VALUES (1, 'Financiar', true)",
        ]
        with db.engine.begin() as conn:
            for row in rows:
                conn.execute(text(row))
        upgrade()
        from dispatch.people.models import Department
        from dispatch.tickets.models import Category, CategoryField

        assert db.session.get(Category, 1).translations == {"name": {"ro": "Imprimantă"}}
        assert db.session.get(CategoryField, 1).translations == {
            "label": {"ro": "Tava"},
            "choices": {"ro": ["Sus", "Jos"]},
        }
        assert db.session.get(Department, 1).translations == {"name": {"ro": "Financiar"}}
        db.session.remove()
        downgrade(revision="0016_ticket_merged_index")
        db.engine.dispose()
