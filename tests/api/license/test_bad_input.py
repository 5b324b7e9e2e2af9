"""Every License API route, fed junk, answers a 4xx JSON error with a code: never a 5xx, never HTML."""

from __future__ import annotations

import pytest

ROUTES = ["activate", "check-in", "deactivate", "floating/acquire", "floating/release", "borrow", "consumption"]
NUMBERS = [2**31, 2**63, 2**64, -(2**63) - 1, 10**400, -1, 0, 1.5, True]


def bodies(valid: dict):
    yield b""
    yield b"not json"
    yield b"[1, 2, 3]"
    yield b'"a string"'
    yield b"\xff\xfe\x00"
    yield b'{"account": ' * 200
    yield {}
    for field in [*valid, "hours", "until", "amount", "password", "email"]:
        for junk in ["", "x" * 5000, None, 12, [1], {"a": 1}, "\x00\u202e<script>", "' OR 1=1 --", *NUMBERS]:
            yield {**valid, field: junk}
    for until in ["2026-13-45", "9999-12-31T23:59:59", "0001-01-01", "yesterday", "2026-01-01T00:00:00+25:00"]:
        yield {**valid, "until": until}


@pytest.fixture
def valid(make):
    w = make.world()
    lic = make.license(w["order"], w["key_policy"])
    return {
        "account": w["vendor"].public_id,
        "product": w["key_product"].code,
        "license_key": lic.license_key,
        "hardware_id": "hw-junk",
    }


def test_junk_never_reaches_a_5xx(client, valid):
    client.send_csrf = False
    for route in ROUTES:
        for body in bodies(valid):
            if isinstance(body, dict):
                response = client.post(f"/api/v1/license/{route}", json=body)
            else:
                response = client.post(f"/api/v1/license/{route}", data=body, content_type="application/json")
            assert response.status_code < 500, (route, body, response.get_data(as_text=True)[:300])
            assert response.is_json, (route, body)
            if response.status_code >= 400:
                assert response.get_json()["error"]["code"], (route, body)


def test_a_missing_field_is_a_422_at_that_field(client, valid):
    client.send_csrf = False
    response = client.post("/api/v1/license/activate", json={**valid, "hardware_id": ""})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert "hardware_id" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/license/activate", data="nope", content_type="text/plain")
    assert response.status_code == 422


def test_only_post_is_served(client):
    response = client.get("/api/v1/license/activate")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
