"""portal/openapi/license.yaml describes every License API route, and real answers match it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from portal.licensing_client import post

SPEC = yaml.safe_load((Path(__file__).resolve().parents[3] / "portal/openapi/license.yaml").read_text())


def schema(name: str) -> dict:
    """A component schema with its references resolvable (the shared Error is the one outside this file)."""
    error = {"type": "object", "required": ["error"], "properties": {"error": {"type": "object"}}}
    components = {**SPEC["components"]["schemas"], "Error": error}
    return {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}


def test_every_route_is_described(app):
    rules = {r.rule.removeprefix("/api/v1") for r in app.url_map.iter_rules() if r.endpoint.startswith("api.license.")}
    assert rules == set(SPEC["paths"])
    assert all(set(operations) == {"post"} for operations in SPEC["paths"].values())


@pytest.mark.parametrize("action", ["activate", "check-in", "floating/acquire", "borrow", "deactivate"])
def test_answers_match_the_schemas(make, device, server, action):
    w = make.world()
    product = make.product(w["vendor"], floating=True)
    lic = make.license(w["order"], make.policy(product, is_floating=True, floating_seats=2, max_borrow_hours=4))
    client = device(lic)
    client.activate()
    status, answer, _ = post(server, f"/api/v1/license/{action}", {**client.identity, "hours": 1})
    assert status == 200
    jsonschema.validate(answer, schema("SignedLicenseState"))
    status, answer, _ = post(server, f"/api/v1/license/{action}", {"account": 1})
    assert status == 422
    jsonschema.validate(answer, schema("Error"))
