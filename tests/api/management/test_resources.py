"""Every resource through the API: reads, writes, pagination, idempotency, 409/422 with nothing written."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Customer, License, LicenseManager, Order
from portal.tenancy import set_tenant


def _count(app, vendor, model, *where):
    with app.app_context():
        set_tenant(db.session, vendor.id)
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_customer_accounts_and_customers(app, world):
    rw = world["rw"]
    made = rw.post("/customer-accounts", json={"name": "Initrode", "code": "INI"})
    assert made.status_code == 201
    assert rw.get(f"/customer-accounts/{made.json['id']}").json["name"] == "Initrode"
    assert rw.post("/customer-accounts", json={"name": "Initrode", "code": "INI"}).status_code == 422
    customer = rw.post("/customers", json={"email": "Ann@Initrode.test", "customer_account_id": made.json["id"]})
    assert customer.status_code == 201 and customer.json["email"] == "ann@initrode.test"
    again = rw.post("/customers", json={"email": "ann@initrode.test"})
    assert again.status_code == 422 and "email" in again.json["error"]["fields"]
    listed = rw.get(f"/customers?customer_account_id={made.json['id']}").json
    assert [c["id"] for c in listed["data"]] == [customer.json["id"]]
    assert _count(app, world["vendor"], AuditEvent, AuditEvent.actor_type == "api_key") == 2


def test_a_token_reads_its_orders_customers(world):
    token = world["token"]
    assert [c["id"] for c in token.get("/customers").json["data"]] == [world["customer"].id]


def test_vendor_creates_an_order_with_licenses_and_managers(app, world):
    rw = world["rw"]
    body = {
        "reference": "SHOP-1",
        "customer_id": world["customer"].id,
        "manager_ids": [world["manager"].id],
        "licenses": [
            {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 2},
            {"product_id": world["user_product"].id, "policy_id": world["user_policy"].id, "quantity": 1},
        ],
    }
    made = rw.post("/orders", json=body)
    assert made.status_code == 201, made.json
    assert made.json["is_bundle"] is True and made.json["manager_ids"] == [world["manager"].id]
    assert len(made.json["licenses"]) == 3
    page = rw.get(f"/orders/{made.json['id']}/licenses").json
    assert len(page["data"]) == 3 and page["next"] is None
    # The manager now reaches it with their token.
    assert world["token"].get(f"/orders/{made.json['id']}").status_code == 200


def test_a_bad_line_writes_nothing(app, world):
    before = _count(app, world["vendor"], Order), _count(app, world["vendor"], License)
    body = {
        "licenses": [
            {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 2},
            {"product_id": world["key_product"].id, "policy_id": world["user_policy"].id, "quantity": 1},
        ]
    }
    response = world["rw"].post("/orders", json=body)
    assert response.status_code == 422 and "policy" in response.json["error"]["fields"]
    assert (_count(app, world["vendor"], Order), _count(app, world["vendor"], License)) == before


def test_a_token_issues_within_its_cap_and_gets_409_past_it(app, world):
    token = world["token"]
    line = {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 2}
    made = token.post("/orders", json={"licenses": [line]})
    assert made.status_code == 201 and len(made.json["licenses"]) == 2
    before = _count(app, world["vendor"], Order), _count(app, world["vendor"], License)
    refused = token.post("/orders", json={"licenses": [line]})
    assert refused.status_code == 409 and "Cap reached" in refused.json["error"]["message"]
    assert (_count(app, world["vendor"], Order), _count(app, world["vendor"], License)) == before
    other = {"product_id": world["user_product"].id, "policy_id": world["user_policy"].id, "quantity": 1}
    assert token.post("/orders", json={"licenses": [other]}).status_code == 422


def test_idempotency_key_replays_and_refuses_another_body(app, world):
    rw = world["rw"]
    headers = {"Idempotency-Key": "order-42"}
    line = {"product_id": world["key_product"].id, "policy_id": world["key_policy"].id, "quantity": 1}
    first = rw.post("/orders", json={"licenses": [line]}, headers=headers)
    again = rw.post("/orders", json={"licenses": [line]}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    assert _count(app, world["vendor"], Order) == 3
    other = rw.post("/orders", json={"licenses": [line], "reference": "X"}, headers=headers)
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    # Keys belong to their caller: another key with the same Idempotency-Key makes its own order.
    mine = world["token"].post("/orders", json={"licenses": [line]}, headers=headers)
    assert mine.status_code == 201 and mine.json["id"] != first.json["id"]


def test_licenses_and_devices_actions(app, world):
    token, lic, device = world["token"], world["license"], world["device"]
    assert token.get(f"/licenses/{lic.id}/devices").json["data"][0]["id"] == device.id
    assert token.post(f"/licenses/{lic.id}/disable").json["status"] == "disabled"
    assert token.post(f"/licenses/{lic.id}/enable").json["status"] == "active"
    assert token.post(f"/devices/{device.id}/reset").json["is_active"] is False
    assert token.get(f"/licenses/{lic.id}").json["times_activated"] == 0
    assert world["rw"].post(f"/devices/{world['other_device'].id}/revoke").json["is_revoked"] is True
    assert world["rw"].post(f"/licenses/{world['other_license'].id}/reset").json["times_activated"] == 0
    filtered = world["rw"].get("/licenses?status=active").json["data"]
    assert all(row["status"] == "active" for row in filtered)


def test_license_managers_invite_permissions_orders_disable(app, world):
    rw = world["rw"]
    made = rw.post("/license-managers", json={"email": "new@cust.test", "order_ids": [world["order"].id]})
    assert made.status_code == 201 and made.json["status"] == "invited"
    assert "issue_license" in made.json["permissions"]  # the vendor's default set
    mid = made.json["id"]
    assert rw.post("/license-managers", json={"email": "new@cust.test"}).status_code == 422
    changed = rw.put(f"/license-managers/{mid}/permissions", json={"permissions": ["reset_device"]})
    assert changed.json["permissions"] == ["reset_device"]
    bad = rw.put(f"/license-managers/{mid}/permissions", json={"permissions": ["fly"]})
    assert bad.status_code == 422
    assert rw.post(f"/license-managers/{mid}/orders", json={"order_id": world["other_order"].id}).json[
        "order_ids"
    ] == sorted([world["order"].id, world["other_order"].id])
    removed = rw.delete(f"/license-managers/{mid}/orders/{world['order'].id}")
    assert removed.json["order_ids"] == [world["other_order"].id]
    assert rw.post(f"/license-managers/{mid}/disable").json["status"] == "disabled"
    again = rw.post(f"/license-managers/{mid}/disable")
    assert again.status_code == 409
    assert rw.get("/license-managers?status=disabled").json["data"][0]["id"] == mid
    assert _count(app, world["vendor"], LicenseManager) == 2


def test_cursor_pagination_walks_every_row_once(app, make, world):
    for _ in range(7):
        make.license(world["order"], world["key_policy"])
    rw, seen, cursor = world["rw"], [], None
    while True:
        page = rw.get("/licenses?limit=3" + (f"&after={cursor}" if cursor else "")).json
        seen += [row["id"] for row in page["data"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 9 and seen == sorted(seen, reverse=True)
    for bad in ("limit=0", "limit=101", "limit=x", "after=garbage"):
        assert rw.get(f"/licenses?{bad}").status_code == 422, bad


def test_bad_bodies_are_4xx(world):
    rw = world["rw"]
    assert rw.call("POST", "/customers", json=None).status_code == 415
    for body in ([], {"email": 5}, {"email": "a@b.test", "customer_account_id": "x"}, {"email": "x" * 300}):
        assert rw.post("/customers", json=body).status_code in (400, 422), body
    for body in ({"licenses": "x"}, {"licenses": [{"product_id": 2**40, "policy_id": 1, "quantity": 1}]}):
        assert rw.post("/orders", json=body).status_code == 422
    assert _no_customer_written(world)


def _no_customer_written(world):
    return all(c["email"] != "a@b.test" for c in world["rw"].get("/customers").json["data"])


def test_customer_rows_are_unchanged_by_reads(app, world):
    assert _count(app, world["vendor"], Customer) == 1
