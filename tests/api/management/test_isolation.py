"""A key of one vendor never reaches another's data; a token never reaches past its manager's orders."""

from __future__ import annotations

import pytest

from tests.api.management.support import Api, make_key


@pytest.fixture
def foreign(app, make):
    w = make.world()
    manager = make.manager(w["vendor"], permissions="all", orders=[w["order"]])
    lic = make.license(w["order"], w["key_policy"])
    device = make.device(lic)
    return {**w, "manager": manager, "license": lic, "device": device}


def _paths(objs):
    return [
        ("GET", f"/orders/{objs['order'].id}"),
        ("GET", f"/orders/{objs['order'].id}/licenses"),
        ("GET", f"/licenses/{objs['license'].id}"),
        ("GET", f"/licenses/{objs['license'].id}/devices"),
        ("POST", f"/licenses/{objs['license'].id}/disable"),
        ("POST", f"/licenses/{objs['license'].id}/reset"),
        ("GET", f"/devices/{objs['device'].id}"),
        ("POST", f"/devices/{objs['device'].id}/reset"),
        ("GET", f"/customers/{objs['customer'].id}"),
    ]


def test_a_vendor_key_never_reaches_another_vendor(app, world, foreign):
    rw = world["rw"]
    for method, path in [
        *_paths(foreign),
        ("GET", f"/customer-accounts/{foreign['account'].id}"),
        ("GET", f"/license-managers/{foreign['manager'].id}"),
        ("POST", f"/license-managers/{foreign['manager'].id}/disable"),
    ]:
        assert rw.call(method, path).status_code == 404, (method, path)
    listed = rw.get("/licenses?limit=100").json["data"]
    assert foreign["license"].id not in {row["id"] for row in listed}
    assert {row["id"] for row in rw.get("/orders").json["data"]} == {world["order"].id, world["other_order"].id}
    # Another vendor's ids in a body read as unknown, too.
    body = {
        "licenses": [{"product_id": foreign["key_product"].id, "policy_id": foreign["key_policy"].id, "quantity": 1}]
    }
    assert rw.post("/orders", json=body).status_code == 422


def test_the_other_vendors_key_sees_only_its_own(app, client, world, foreign):
    theirs = Api(client, make_key(app, foreign["vendor"]))
    assert {row["id"] for row in theirs.get("/orders").json["data"]} == {foreign["order"].id}
    assert theirs.get(f"/licenses/{world['license'].id}").status_code == 404


def test_a_token_never_reaches_outside_its_managers_orders(world, foreign):
    token = world["token"]
    outside = {
        "order": world["other_order"],
        "license": world["other_license"],
        "device": world["other_device"],
        "customer": foreign["customer"],
    }
    for method, path in _paths(outside):
        assert token.call(method, path).status_code == 404, (method, path)
    assert [row["id"] for row in token.get("/orders").json["data"]] == [world["order"].id]
    assert {row["id"] for row in token.get("/licenses").json["data"]} == {world["license"].id}


def test_scope_comes_before_permission_and_permission_is_named(world):
    token = world["token"]
    # Outside the orders: 404 even where the permission is missing (revoke_device).
    assert token.post(f"/devices/{world['other_device'].id}/revoke").status_code == 404
    response = token.post(f"/devices/{world['device'].id}/revoke")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "permission_denied"
    assert "revoke_device" in response.json["error"]["message"]
    assert token.get(f"/devices/{world['device'].id}").json["is_revoked"] is False


def test_a_token_cannot_do_what_only_the_vendor_does(world):
    token = world["token"]
    for method, path in [
        ("GET", "/license-managers"),
        ("GET", f"/customer-accounts/{world['account'].id}"),
        ("POST", "/customers"),
        ("POST", "/customer-accounts"),
    ]:
        response = token.call(method, path, json={"email": "x@y.test", "name": "n", "code": "c"})
        assert response.status_code == 403, (method, path)
        assert response.json["error"]["code"] == "vendor_key_required"
