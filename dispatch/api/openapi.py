"""The OpenAPI 3.1 document of the JSON API, made from the code that serves it.

Paths come from the app's routes, what each takes and answers from its ``@describe``
(api.operations), request bodies and query parameters from their declarations (api.bodies,
which the views read through), response objects from the serializers' schemas: nothing here is
written twice, so the document cannot drift from the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from werkzeug.routing import Rule

from dispatch.api import bodies
from dispatch.api import parsing as p
from dispatch.api import serializers as s
from dispatch.api.asset_json import ASSET_SCHEMA
from dispatch.api.operations import OPERATIONS, Operation

PREFIX = "/api/v1"
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_CONVERTED = {"int": {"type": "integer", "minimum": 1, "maximum": p.MAX_ID}}

ERRORS = {
    400: "Bad input: not JSON, not an object, an unknown key or parameter, a wrong type, an "
    "unknown id or an invalid value. `field` names the first fault, `errors` every one.",
    401: "No valid token: missing, unknown or revoked, or its user deactivated.",
    403: "The token's user may see this but may not change it (assets: dispatchers and admins).",
    404: "No such ticket or asset, or not one the token's user may see (or act on).",
    409: "The ticket or asset changed since it was read (`version`), or the workflow does not "
    "allow it.",
    413: "The body is larger than the limit, given in `limit_bytes`.",
    415: "The body was not sent as Content-Type: application/json.",
    429: "Too many tickets created with this token; try again later.",
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: the message, the field at fault (if one is) and the status.",
    "properties": {
        "error": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "status": {"type": "integer"},
        "errors": {
            "type": "object",
            "description": "Each faulty field with its messages (400 only).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "limit_bytes": {"type": "integer", "description": "The size limit (413 only)."},
    },
    "required": ["error", "field", "status"],
    "additionalProperties": False,
    "examples": [
        {
            "error": "status: Must be one of: new, triaged.",
            "field": "status",
            "status": 400,
            "errors": {"status": ["Must be one of: new, triaged."]},
        }
    ],
}


_CELL = {"type": ["string", "number", "null"]}
_NULLABLE_ID = {"type": ["integer", "null"]}
REPORT_SCHEMA = {
    "type": "object",
    "description": "One report: its columns (with their unit: count, share as a fraction, "
    "hours, minutes, km, text, day or ticket: a ticket's number) and its rows, keyed by column.",
    "properties": {
        "report": {"type": "string"},
        "title": {"type": "string"},
        "scope": {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date-time"},
                "end": {"type": "string", "format": "date-time"},
                "site": _NULLABLE_ID,
                "department": _NULLABLE_ID,
                "category": _NULLABLE_ID,
                "kind": {"type": ["string", "null"]},
                "channel": {"type": ["string", "null"]},
            },
            "required": ["start", "end", "site", "department", "category", "kind", "channel"],
            "additionalProperties": False,
        },
        "columns": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "label": {"type": "string"},
                    "unit": {"type": "string"},
                },
                "required": ["key", "label", "unit"],
                "additionalProperties": False,
            },
        },
        "rows": {"type": "array", "items": {"type": "object", "additionalProperties": _CELL}},
    },
    "required": ["report", "title", "scope", "columns", "rows"],
    "additionalProperties": False,
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _items(name: str, **more: Any) -> dict[str, Any]:
    properties = {"items": {"type": "array", "items": _ref(name)}, **more}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _int(description: str) -> dict[str, Any]:
    return {"type": "integer", "description": description}


def _page_of(item: str, per_page: str) -> dict[str, Any]:
    """A page of a keyset-paged list: its items, the page size and the way to the next."""
    return _items(
        item,
        per_page=_int(per_page),
        next_cursor={
            "type": ["string", "null"],
            "description": "The cursor of the next page (null: this is the last page).",
        },
        next={
            "type": ["string", "null"],
            "description": "The next page's URL, with the same filters (null: the last).",
        },
    )


def components() -> dict[str, Any]:
    schemas = {
        "Error": ERROR_SCHEMA,
        "Ticket": s.TICKET_SCHEMA,
        "Event": s.EVENT_SCHEMA,
        "Category": s.CATEGORY_SCHEMA,
        "TicketPage": _page_of("Ticket", "Tickets a page."),
        "TicketEvents": _items("Event", ticket=_int("The ticket's id.")),
        "Asset": ASSET_SCHEMA,
        "AssetPage": _page_of("Asset", "Assets a page."),
        "Categories": _items("Category"),
        "OpenAPI": {"type": "object", "description": "This document."},
        "Report": REPORT_SCHEMA,
    }
    for body in (bodies.NEW_TICKET, bodies.TRIAGE, bodies.NEW_ASSET, bodies.ASSET_CHANGE):
        schemas[body.name] = body.schema()
    return {
        "schemas": schemas,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`flask token create <email>`); it acts as its user.",
            }
        },
    }


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"application/json": content}


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _CONVERTED.get(converter or "", {"type": "string"}),
        }
        for converter, name in _ARGUMENT.findall(rule.rule)
    ]


def _responses(op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {
        "description": op.answer,
        "content": _json(_ref(op.schema)),
    }
    if op.headers:
        success["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in op.headers.items()
        }
    if op.links:
        success["links"] = {
            name: {"operationId": target, "parameters": dict(parameters)}
            for name, (target, parameters) in op.links.items()
        }
    responses = {str(op.status): success}
    for status in sorted(set(op.errors) | (set() if op.public else {401})):
        error = {"description": ERRORS[status], "content": _json(_ref("Error"))}
        if status == 401:
            header = {"description": 'Bearer realm="dispatch"', "schema": {"type": "string"}}
            error["headers"] = {"WWW-Authenticate": header}
        responses[str(status)] = error
    return responses


def operation(rule: Rule, op: Operation) -> dict[str, Any]:
    parameters = _path_parameters(rule) + (op.query.parameters() if op.query else [])
    described: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "responses": _responses(op),
    }
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "description": op.body.description,
            "content": _json(_ref(op.body.name), op.body.example),
        }
    if op.public:
        described["security"] = []
    return described


def api_rules(rules: Iterable[Rule]) -> list[Rule]:
    """The JSON API's routes, in a stable order."""
    return sorted((r for r in rules if r.rule.startswith(PREFIX + "/")), key=lambda r: r.rule)


def document(rules: Iterable[Rule], server: str) -> dict[str, Any]:
    """The document for the API's routes among ``rules``, served at ``server``."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(rules):
        op = OPERATIONS.get(rule.endpoint)
        if op is None:
            continue  # undescribed: the document's test names it
        path = _ARGUMENT.sub(r"{\2}", rule.rule.removeprefix(PREFIX))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = operation(rule, op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dispatch API",
            "version": "1",
            "description": "Tickets, categories and assets of the Dispatch help desk. Errors are "
            "JSON with the status repeated in the body; someone else's ticket is a 404.",
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": components(),
    }
