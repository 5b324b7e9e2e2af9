"""Fuzz every operation of the OpenAPI document (every ``portal/openapi/*.yaml``) with schemathesis: no 5xx.

Each operation runs in-process against the WSGI app, with a read-write vendor key and ids of a
small world in the database, so generated requests reach the services rather than stopping at
401 or 404. Answers must also be ones the document lists, with bodies its schemas allow.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from portal import openapi
from tests.api.management.support import bearer, conforms, make_key

EXAMPLES = 30


def test_no_operation_answers_5xx(app, make):
    """schemathesis' own pytest plugin does not run under pytest 9: drive its strategies with hypothesis."""
    w = make.world()
    manager = make.manager(w["vendor"], permissions="all", orders=[w["order"]])
    make.device(make.license(w["order"], w["key_policy"]))
    headers = bearer(make_key(app, w["vendor"], "read_write"))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    statuses: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}")
            case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])

        run()
    assert operations >= 25
    assert manager.id
    # The requests reached the views: successes and refusals both, not only 401s.
    assert statuses.get(200, 0) > operations and sum(statuses.values()) > 5 * operations, statuses
    assert not failures, failures[:10]


def test_the_document_is_openapi_3_1_and_lists_the_management_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/orders", "/licenses/{license_id}/reset", "/license-managers/{manager_id}/permissions"} <= set(
        doc["paths"]
    )
    conforms(client.get("/api/v1/openapi.json"), "GET", "/api/v1/openapi.json")


def test_the_reference_page_lists_every_operation(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "<script" not in page.get_data(as_text=True).split("</head>")[1]
    text = page.get_data(as_text=True)
    for operation in openapi.operations():
        assert f"{operation['method']} /api/v1{operation['path']}" in text
