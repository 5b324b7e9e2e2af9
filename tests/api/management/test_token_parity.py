"""A manager's token allows what the portal allows, scope first (404), then permission (403).

Covers what the portal's order page offers (issue, add and remove managers), the device list,
and that every write a token reaches asks the portal's permission for it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit import Actor
from portal.extensions import db
from portal.models import License, OrderManager, WebhookDelivery
from portal.services.webhooks import actions as webhook_actions
from portal.tenancy import set_tenant
from tests.api.management.support import Api, make_token


def _rows(app, vendor, model, *where):
    with app.app_context():
        set_tenant(db.session, vendor.id)
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _token(app, make, world, permissions, orders=None):
    manager = make.manager(
        world["vendor"],
        permissions=permissions,
        orders=[world["order"]] if orders is None else orders,
        products=[world["key_product"], world["user_product"]],
        policies=[world["key_policy"], world["user_policy"]],
    )
    return manager, Api(app.test_client(), make_token(app, manager))


def test_a_token_with_manage_managers_adds_and_removes_managers_on_its_orders(app, make, world):
    shared = make.order(world["vendor"])
    me, api = _token(app, make, world, ["manage_managers"], orders=[world["order"], shared])
    colleague = make.manager(world["vendor"], orders=[shared, world["other_order"]])  # one I work with
    stranger = make.manager(world["vendor"])  # on none of my orders, no organisation in common
    path = f"/orders/{world['order'].id}/managers"
    added = api.post(path, json={"email": colleague.license_user.email.upper()})
    assert added.status_code == 200 and added.json["id"] == colleague.id
    assert {m["id"] for m in api.get(path).json["data"]} == {world["manager"].id, me.id, colleague.id}
    assert api.post(path, json={"email": stranger.license_user.email}).status_code == 422
    # Outside its orders: 404 whatever the permission, for the order and for a manager not on it.
    assert api.post(f"/orders/{world['other_order'].id}/managers", json={"email": "x@y.test"}).status_code == 404
    assert api.delete(f"{path}/{stranger.id}").status_code == 404
    removed = api.delete(f"{path}/{colleague.id}")
    assert removed.status_code == 200
    still = _rows(app, world["vendor"], OrderManager, OrderManager.manager_id == colleague.id)
    assert still == 2  # on the other orders


def test_the_last_manager_cannot_leave_and_without_the_permission_it_is_403(app, make, world):
    lone_order = make.order(world["vendor"])
    me, api = _token(app, make, world, ["manage_managers"], orders=[lone_order])
    left = api.delete(f"/orders/{lone_order.id}/managers/{me.id}")
    assert left.status_code == 409 and "only manager" in left.json["error"]["message"]
    _, plain = _token(app, make, world, ["issue_license"])
    refused = plain.post(f"/orders/{world['order'].id}/managers", json={"email": me.license_user.email})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "permission_denied"
    assert "manage_managers" in refused.json["error"]["message"]
    assert plain.delete(f"/orders/{world['order'].id}/managers/{me.id}").status_code in (403, 404)


def test_a_vendor_key_adds_and_removes_any_of_its_managers(app, make, world):
    rw, other = world["rw"], make.manager(world["vendor"])
    path = f"/orders/{world['order'].id}/managers"
    assert rw.post(path, json={"email": other.license_user.email}).status_code == 200
    again = rw.post(path, json={"email": other.license_user.email})
    assert again.status_code == 422
    assert rw.post(path, json={"email": "nobody@nowhere.test"}).status_code == 422
    assert rw.delete(f"{path}/{other.id}").status_code == 200
    assert rw.delete(f"{path}/{other.id}").status_code == 404
    assert world["ro"].post(path, json={"email": other.license_user.email}).status_code == 403


def test_issuing_into_an_order_asks_issue_license_and_keeps_the_cap(app, make, world):
    token = world["token"]  # issue_license, key product capped at 3
    path = f"/orders/{world['order'].id}/licenses"
    line = {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 2}
    made = token.post(path, json=line)
    assert made.status_code == 201 and len(made.json["licenses"]) == 2
    before = _rows(app, world["vendor"], License)
    capped = token.post(path, json=line)
    assert capped.status_code == 409 and _rows(app, world["vendor"], License) == before
    assert token.post(f"/orders/{world['other_order'].id}/licenses", json=line).status_code == 404
    _, plain = _token(app, make, world, ["edit_license"])
    refused = plain.post(path, json={**line, "quantity": 1})
    assert refused.status_code == 403 and "issue_license" in refused.json["error"]["message"]
    vendor = world["rw"].post(f"/orders/{world['other_order'].id}/licenses", json={**line, "quantity": 5})
    assert vendor.status_code == 201 and len(vendor.json["licenses"]) == 5  # the vendor has no cap


def test_a_bundle_order_asks_create_bundle_order_only_as_the_portal_does(app, make, world):
    _, bundler = _token(app, make, world, ["create_bundle_order"])
    lines = [
        {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 1},
        {"product_id": world["user_product"].id, "policy_id": world["user_policy"].id, "quantity": 1},
    ]
    made = bundler.post("/orders", json={"licenses": lines})
    assert made.status_code == 201 and made.json["is_bundle"] and len(made.json["licenses"]) == 2
    single = bundler.post("/orders", json={"licenses": lines[:1]})
    assert single.status_code == 403 and "create_order" in single.json["error"]["message"]
    _, creator = _token(app, make, world, ["create_order"])
    assert creator.post("/orders", json={}).status_code == 201
    assert "issue_license" in creator.post("/orders", json={"licenses": lines[:1]}).json["error"]["message"]
    assert "create_bundle_order" in creator.post("/orders", json={"licenses": lines}).json["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("POST", "/licenses/{license}/disable", "edit_license"),
        ("POST", "/licenses/{license}/enable", "edit_license"),
        ("POST", "/licenses/{license}/reset", "reset_license"),
        ("POST", "/devices/{device}/reset", "reset_device"),
        ("POST", "/devices/{device}/revoke", "revoke_device"),
        ("POST", "/orders/{order}/licenses", "issue_license"),
        ("POST", "/orders/{order}/managers", "manage_managers"),
    ],
)
def test_every_token_write_asks_the_portals_permission_after_scope(app, make, world, method, path, permission):
    _, none = _token(app, make, world, [])
    ids = {"license": world["license"].id, "device": world["device"].id, "order": world["order"].id}
    foreign = {
        "license": world["other_license"].id,
        "device": world["other_device"].id,
        "order": world["other_order"].id,
    }
    body = {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 1, "email": "a@b.c"}
    assert none.call(method, path.format(**foreign), json=body).status_code == 404  # scope first
    refused = none.call(method, path.format(**ids), json=body)
    assert refused.status_code == 403 and permission in refused.json["error"]["message"]
    _, allowed = _token(app, make, world, [permission])
    assert allowed.call(method, path.format(**ids), json=body).status_code not in (403, 404)


def test_devices_list_inside_the_callers_orders(app, make, world):
    token, rw = world["token"], world["rw"]
    assert [d["id"] for d in token.get("/devices").json["data"]] == [world["device"].id]
    assert {d["id"] for d in rw.get("/devices").json["data"]} == {world["device"].id, world["other_device"].id}
    assert token.get(f"/devices?license_id={world['other_license'].id}").json["data"] == []
    assert [d["id"] for d in rw.get(f"/devices?license_id={world['license'].id}").json["data"]] == [world["device"].id]
    token.post(f"/devices/{world['device'].id}/reset")
    assert token.get("/devices?active=true").json["data"] == []
    assert len(token.get("/devices?active=false").json["data"]) == 1
    for bad in ("license_id=x", f"license_id={2**40}", "active=maybe", "limit=0"):
        answer = rw.get(f"/devices?{bad}")
        assert answer.status_code == 422 and answer.json["error"]["code"] == "invalid", bad


def test_orders_made_by_a_vendor_key_send_their_webhooks(app, world):
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        webhook_actions.create(
            "https://hooks.example.test/in", "", ["order.created", "licenses.issued"], actor=Actor.system()
        )
        db.session.commit()
    line = {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 2}
    made = world["rw"].post("/orders", json={"licenses": [line]})
    assert made.status_code == 201
    world["rw"].post(f"/orders/{made.json['id']}/licenses", json=line)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        assert [r.event for r in rows] == ["order.created", "licenses.issued", "licenses.issued"]
        assert rows[0].payload["id"] == made.json["id"] and len(rows[1].payload["licenses"]) == 2
