"""Schemathesis against the running API, from its own OpenAPI document.

Stateless: every operation with data that fits the document and data that does not. Stateful:
the document's links (create a ticket, then read it, list its record and triage it). With a
real token of a test user, and with none. Every answer must be no 5xx, a documented status of
the documented content type, headers and shape; data the document forbids must be refused, and
a request without its token must be. A fixed seed and a bounded number of examples keep the
run the same on every machine, and short. The app runs as deployed (no TESTING) behind a real
HTTP server on a loopback port, on the tests' database, and Schemathesis talks HTTP to it.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live import live_app

pytestmark = pytest.mark.slow

SEED = 20261207
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
SETTINGS = hypothesis.settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    report_multiple_bugs=False,
)


@pytest.fixture
def schema(app, database_url, tmp_path):
    config = SchemathesisConfig.from_dict({"seed": SEED})
    with live_app(database_url, str(tmp_path / "live-attachments")) as base:
        yield schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json", config=config)


@pytest.fixture
def world(api, make_site, make_department, make_category, make_ticket, make_user):
    """Some of everything the API lists and links, so that generated ids sometimes hit."""
    site = make_site()
    make_department()
    make_category(
        default_kind="onsite",
        fields=[{"key": "asset", "label": "Asset", "type": "asset_tag", "required": True}],
    )
    make_user("technician", site=site)
    make_user("agent")
    dispatcher = api(role="dispatcher")
    employee = api(role="employee", site=site)
    for requester in (dispatcher.user, employee.user):
        make_ticket(requester=requester, site_id=site.id)
    return {"dispatcher": dispatcher, "employee": employee}


def _fuzz(schema, headers, modes=tuple(GenerationMode), examples=SETTINGS.max_examples):
    """Every operation in each generation mode, ``examples`` cases each; the (operation,
    status) pairs seen."""
    seen: set[tuple[str, int]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:

            @hypothesis.seed(SEED)
            @hypothesis.settings(SETTINGS, max_examples=examples)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                # A parameter whose value is null or an empty list is never sent (the HTTP
                # client drops it), so a case whose only fault is such a parameter reaches the
                # server as a valid request: not a case at all.
                hypothesis.assume(
                    not any(v is None or v == [] for v in (case.query or {}).values())
                )
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                seen.add((case.operation.label, response.status_code))

            run()
    return seen


@pytest.mark.parametrize("who", ["dispatcher", "employee"])
def test_stateless_with_a_token(schema, world, who):
    seen = _fuzz(schema, {"Authorization": f"Bearer {world[who].token}"})
    assert {("POST /tickets", 201), ("GET /tickets", 200), ("GET /tickets", 400)} <= seen


def test_stateless_without_a_token(schema, world):
    seen = _fuzz(schema, {}, modes=(GenerationMode.POSITIVE,), examples=5)
    assert {status for label, status in seen if label != "GET /openapi.json"} == {401}


def test_stateful_links(schema, world):
    headers = {"Authorization": f"Bearer {world['dispatcher'].token}"}
    seen: set[tuple[str, int]] = set()

    # The tickets' operations only: their links are what this follows (the other operations
    # are fuzzed above), and a bounded run spent on them reaches the links every time.
    tickets = schema.include(path_regex="^/tickets")

    class Machine(tickets.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            seen.add((case.operation.label, response.status_code))
            case.validate_response(response, checks=CHECKS, headers=headers)

    settings = hypothesis.settings(
        SETTINGS,
        max_examples=15,
        stateful_step_count=6,
        phases=[hypothesis.Phase.generate],
        derandomize=True,  # the same steps on every machine
    )
    run_state_machine_as_test(Machine, settings=settings)
    # The links were followed: a ticket created, then read by its id.
    assert {("POST /tickets", 201), ("GET /tickets/{ticket_id}", 200)} <= seen
