"""Bundle orders: licenses of several products in one step, each line checked, all or nothing."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import License, ManagerProduct, Order
from portal.tenancy import all_tenants
from tests.end_user.orders.support import audit_events, field_error, issuing_world, snapshot


def _lines(*lines):
    data = {}
    for i, (product, policy, quantity) in enumerate(lines):
        data[f"lines-{i}-product"] = product.id if product else ""
        data[f"lines-{i}-policy"] = policy.id if policy else ""
        data[f"lines-{i}-quantity"] = quantity
    return data


def test_bundle_with_permission_creates_order_and_licenses(app, client, make, login):
    w = issuing_world(make, permissions=["create_bundle_order"], caps={"key_product": 5})
    login(w["manager"])
    data = {
        "reference": "BNDL-1",
        "customer": w["customer"].id,
        **_lines((w["key_product"], w["key_policy"], 2), (None, None, 1), (w["user_product"], w["user_policy"], 3)),
    }
    response = client.post("/portal/orders/bundle", data=data)
    assert response.status_code == 303
    with app.app_context(), all_tenants(db.session):
        order = db.session.scalar(sa.select(Order).where(Order.reference == "BNDL-1"))
        products = db.session.execute(
            sa.select(License.product_id, sa.func.count())
            .where(License.order_id == order.id)
            .group_by(License.product_id)
        ).all()
        issued = db.session.get(ManagerProduct, (w["manager"].id, w["key_product"].id)).issued
    assert order.is_bundle and order.created_by_manager_id == w["manager"].id
    assert dict(products) == {w["key_product"].id: 2, w["user_product"].id: 3}
    assert issued == 2
    assert len(audit_events(app, "order.created")) == 1 and len(audit_events(app, "licenses.issued")) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bundle order BNDL-1 created with 5 licenses." in page and "Bundle</span>" in page


def test_bundle_without_permission_is_403_and_writes_nothing(app, client, make, login):
    w = issuing_world(make, permissions=["create_order", "issue_license"])
    login(w["manager"])
    before = snapshot(app)
    response = client.post(
        "/portal/orders/bundle",
        data=_lines((w["key_product"], w["key_policy"], 1), (w["user_product"], w["user_policy"], 1)),
    )
    assert response.status_code == 403 and "create_bundle_order" in response.get_data(as_text=True)
    assert client.get("/portal/orders/bundle").status_code == 403
    assert snapshot(app) == before


def test_bundle_line_over_the_cap_writes_nothing(app, client, make, login):
    w = issuing_world(make, permissions=["create_bundle_order"], caps={"user_product": 2})
    login(w["manager"])
    before = snapshot(app)
    response = client.post(
        "/portal/orders/bundle",
        data={
            "reference": "BNDL-CAP",
            **_lines((w["key_product"], w["key_policy"], 4), (w["user_product"], w["user_policy"], 3)),
        },
    )
    assert response.status_code == 409
    assert f"you may issue 2 more {w['user_product'].name} licenses" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_bundle_lines_are_checked_like_issuing(app, client, make, login):
    w = issuing_world(make, permissions=["create_bundle_order"])
    forbidden = make.policy(w["user_product"])
    login(w["manager"])
    before = snapshot(app)
    response = client.post(
        "/portal/orders/bundle", data=_lines((w["key_product"], w["key_policy"], 1), (w["user_product"], forbidden, 1))
    )
    assert response.status_code == 422
    assert "this policy" in field_error(response.get_data(as_text=True), "lines-1-policy")
    response = client.post(
        "/portal/orders/bundle", data=_lines((w["key_product"], w["key_policy"], 1), (w["user_product"], None, 0))
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "lines-1-policy") == "Choose a policy."
    field_error(html, "lines-1-quantity")
    assert snapshot(app) == before


def test_bundle_needs_two_products(app, client, make, login):
    w = issuing_world(make, permissions=["create_bundle_order"])
    login(w["manager"])
    before = snapshot(app)
    response = client.post(
        "/portal/orders/bundle",
        data=_lines((w["key_product"], w["key_policy"], 1), (w["key_product"], w["key_policy"], 2)),
    )
    assert response.status_code == 422
    assert "at least two products" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_bundle_form_offers_more_lines(client, make, login):
    w = issuing_world(make, permissions=["create_bundle_order"])
    login(w["manager"])
    html = client.get("/portal/orders/bundle?lines=6").get_data(as_text=True)
    assert 'name="lines-5-product"' in html and 'name="lines-6-product"' not in html
    assert w["key_policy"].name in html
