"""The OpenAPI document: served without a token, describing every API route and no other."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from flask import Blueprint
from schemathesis.openapi import from_dict

from dispatch.api import bodies
from dispatch.api.openapi import api_rules, document

DOC = "/api/v1/openapi.json"


@pytest.fixture
def doc(client):
    response = client.get(DOC)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def _routes(app) -> set[tuple[str, str]]:
    return {
        (
            re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")),
            m.lower(),
        )
        for rule in api_rules(app.url_map.iter_rules())
        for m in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_served_without_a_token_and_valid(doc):
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/api/v1"}]
    # Schemathesis refuses a document that is not valid OpenAPI (and resolves every $ref).
    schema = from_dict(doc)
    assert {op.ok().label for op in schema.get_all_operations()} >= {"POST /tickets"}


def test_every_api_route_is_described_and_nothing_else(app, doc):
    described = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert described == _routes(app)
    assert {("/tickets", "post"), ("/openapi.json", "get")} <= described


def test_a_new_route_without_a_description_is_missing_from_the_document(app):
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/api/v1/undescribed", "undescribed", lambda: "")
    app.register_blueprint(extra)
    paths = document(app.url_map.iter_rules(), "/api/v1")["paths"]
    assert ("/undescribed", "get") in _routes(app)
    assert "/undescribed" not in paths


def test_operations_require_the_bearer_token_except_the_document(doc):
    assert doc["security"] == [{"bearer": []}]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in doc["paths"].items():
        for method, op in item.items():
            public = path == "/openapi.json"
            assert (op.get("security") == []) is public, (path, method)
            assert ("401" in op["responses"]) is not public, (path, method)


def test_request_bodies_come_from_the_declarations_the_views_read(doc):
    schemas = doc["components"]["schemas"]
    create = schemas["NewTicket"]
    assert set(create["properties"]) == bodies.NEW_TICKET.names
    assert create["required"] == ["subject"]
    assert create["additionalProperties"] is False
    assert create["properties"]["subject"]["maxLength"] == 200
    assert create["properties"]["impact"]["enum"] == ["low", "medium", "high"]
    triage = schemas["Triage"]
    assert set(triage["properties"]) == bodies.TRIAGE.names
    assert triage["required"] == ["kind"]
    assert triage["properties"]["duration_min"]["maximum"] == 7 * 24 * 60
    post = doc["paths"]["/tickets"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewTicket"
    }


def test_list_parameters_come_from_the_filters(doc):
    listed = doc["paths"]["/tickets"]["get"]["parameters"]
    assert {p["name"] for p in listed} == bodies.TICKET_FILTERS.names
    per_page = next(p for p in listed if p["name"] == "per_page")
    assert per_page["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    path = doc["paths"]["/tickets/{ticket_id}"]["get"]["parameters"]
    assert path == [
        {
            "name": "ticket_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
    ]


def test_errors_and_links(doc):
    create = doc["paths"]["/tickets"]["post"]["responses"]
    assert set(create) == {"201", "400", "401", "413", "415", "429"}
    assert create["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "WWW-Authenticate" in create["401"]["headers"]
    links = create["201"]["links"]
    assert links["GetTicket"] == {
        "operationId": "getTicket",
        "parameters": {"ticket_id": "$response.body#/id"},
    }
    operation_ids = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    assert {link["operationId"] for link in links.values()} <= operation_ids


def test_ticket_schema_names_every_key_the_serializer_writes(api, make_ticket, doc):
    a = api(role="dispatcher")
    ticket = make_ticket(requester=a.user)
    body = a.get(f"/api/v1/tickets/{ticket.id}").json
    ticket_schema = doc["components"]["schemas"]["Ticket"]
    assert set(ticket_schema["properties"]) == set(body)
    event = a.get(f"/api/v1/tickets/{ticket.id}/events").json["items"][0]
    assert set(doc["components"]["schemas"]["Event"]["properties"]) == set(event)


def test_served_under_a_prefix(app):
    response = app.test_client().get(DOC, environ_overrides={"SCRIPT_NAME": "/desk"})
    assert response.json["servers"] == [{"url": "/desk/api/v1"}]


def _examples(node):
    """Every (schema, example) pair in the document, wherever it is."""
    if isinstance(node, dict):
        if "schema" in node and "example" in node:
            yield node["schema"], node["example"]
        for example in node.get("examples", []) if "type" in node or "$ref" in node else []:
            yield node, example
        for value in node.values():
            yield from _examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value)


def test_every_example_fits_its_schema(doc):
    pairs = list(_examples(doc["paths"])) + list(_examples(doc["components"]["schemas"]))
    assert len(pairs) >= 8
    for schema, example in pairs:
        # $refs point into the document: validate with the components beside the schema.
        validator = jsonschema_rs.validator_for({**schema, "components": doc["components"]})
        assert validator.is_valid(example), (schema, example)


def test_one_helper_says_null_is_allowed_for_input_and_output():
    from dispatch.api import asset_json, serializers
    from dispatch.api.fields import nullable

    assert serializers.nullable is nullable is asset_json.nullable
    number = nullable({"type": "integer", "minimum": 1})
    assert number == {"type": ["integer", "null"], "minimum": 1}
    ref = {"$ref": "#/components/schemas/Ref"}
    assert nullable(ref) == {"anyOf": [ref, {"type": "null"}]}
    choice = {"type": "string", "enum": ["a"]}
    assert nullable(choice) == {"anyOf": [choice, {"type": "null"}]}
