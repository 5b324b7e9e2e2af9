"""Issuing licenses into an order: allowed products and policies, caps, 403/404/409/422."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import License, ManagerProduct
from portal.tenancy import all_tenants
from tests.end_user.orders.support import audit_events, field_error, issuing_world, snapshot


def _issue(client, order, product, policy, quantity=1, **kwargs):
    return client.post(
        f"/portal/orders/{order.id}/licenses",
        data={"product": product.id, "policy": policy.id, "quantity": quantity},
        **kwargs,
    )


def _licenses(app, order):
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(License).where(License.order_id == order.id)))


def _issued(app, manager, product):
    with app.app_context(), all_tenants(db.session):
        return db.session.get(ManagerProduct, (manager.id, product.id)).issued


def test_issue_with_permission_makes_licenses_from_the_policy(app, client, make, login):
    w = issuing_world(make, caps={"key_product": 10})
    login(w["manager"])
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 3)
    assert response.status_code == 303
    assert response.headers["Location"].split("?")[0].endswith(f"/portal/orders/{w['order'].id}")
    licenses = _licenses(app, w["order"])
    assert len(licenses) == 3
    assert len({lic.license_key for lic in licenses}) == 3
    assert all(lic.license_key and len(lic.license_key) == 19 for lic in licenses)
    lic = licenses[0]
    assert (lic.max_activations, lic.policy_id, lic.product_id) == (3, w["key_policy"].id, w["key_product"].id)
    assert lic.issued_by_manager_id == w["manager"].id and lic.status == "inactive"
    assert _issued(app, w["manager"], w["key_product"]) == 3
    [event] = audit_events(app, "licenses.issued")
    assert event.after["quantity"] == 3 and event.object_label == f"order {w['order'].reference}"
    assert event.customer_account_id == w["account"].id and event.actor_id == w["manager"].id
    page = client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    assert "Issued 3 licenses of" in page and licenses[0].license_key in page


def test_user_based_product_gets_seats_and_no_key(app, client, make, login):
    w = issuing_world(make)
    login(w["manager"])
    assert _issue(client, w["order"], w["user_product"], w["user_policy"], 2).status_code == 303
    licenses = _licenses(app, w["order"])
    assert [(lic.license_key, lic.max_license_users) for lic in licenses] == [(None, 5), (None, 5)]


def test_issue_without_permission_is_403_and_writes_nothing(app, client, make, login):
    w = issuing_world(make, permissions=[p for p in ("create_order", "reset_license")])
    login(w["manager"])
    before = snapshot(app)
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 1)
    assert response.status_code == 403
    assert "issue_license" in response.get_data(as_text=True)
    assert snapshot(app) == before
    page = client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    assert "Issue licenses" not in page  # the page hides what the server refuses


def test_product_not_allowed_is_422_at_the_field(app, client, make, login):
    w = issuing_world(make)
    other_product = make.product(w["vendor"])
    other_policy = make.policy(other_product)
    login(w["manager"])
    before = snapshot(app)
    response = _issue(client, w["order"], other_product, other_policy)
    assert response.status_code == 422
    assert "may not issue licenses of this product" in field_error(response.get_data(as_text=True), "product")
    assert snapshot(app) == before


def test_policy_not_allowed_or_of_another_product_is_422(app, client, make, login):
    w = issuing_world(make)
    extra_policy = make.policy(w["key_product"])  # of an allowed product, but not allowed itself
    login(w["manager"])
    before = snapshot(app)
    response = _issue(client, w["order"], w["key_product"], extra_policy)
    assert response.status_code == 422
    assert "this policy" in field_error(response.get_data(as_text=True), "policy")
    response = _issue(client, w["order"], w["key_product"], w["user_policy"])
    assert response.status_code == 422
    assert f"not one of {w['key_product'].name}" in field_error(response.get_data(as_text=True), "policy")
    assert snapshot(app) == before


def test_quantity_and_missing_fields_are_422(app, client, make, login):
    w = issuing_world(make)
    login(w["manager"])
    before = snapshot(app)
    for quantity in (0, 101, "many"):
        response = _issue(client, w["order"], w["key_product"], w["key_policy"], quantity)
        assert response.status_code == 422, quantity
        field_error(response.get_data(as_text=True), "quantity")
    response = client.post(f"/portal/orders/{w['order'].id}/licenses", data={"quantity": 1})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "product") == "Choose a product."
    assert snapshot(app) == before


def test_another_vendors_product_is_refused(app, client, make, login):
    w = issuing_world(make)
    other = make.world()
    login(w["manager"])
    response = _issue(client, w["order"], other["key_product"], other["key_policy"])
    assert response.status_code == 422
    assert _licenses(app, w["order"]) == []


def test_invalid_issue_over_htmx_answers_the_form_fragment(client, make, login, hx):
    w = issuing_world(make)
    login(w["manager"])
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 0, headers=hx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'name="quantity"' in html
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 1, headers=hx)
    assert response.status_code == 204
    # htmx then loads the order page whole, with the flash message in the layout.
    assert response.headers["HX-Redirect"].startswith(f"/portal/orders/{w['order'].id}?product=")


def test_cap_reached_is_409_and_writes_nothing(app, client, make, login):
    w = issuing_world(make, caps={"key_product": 3})
    login(w["manager"])
    assert _issue(client, w["order"], w["key_product"], w["key_policy"], 2).status_code == 303
    before = snapshot(app)
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 2)
    assert response.status_code == 409
    assert f"Cap reached: you may issue 1 more {w['key_product'].name} licenses" in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert _issue(client, w["order"], w["key_product"], w["key_policy"], 1).status_code == 303
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 1)
    assert response.status_code == 409 and "you may issue 0 more" in response.get_data(as_text=True)
    assert _issued(app, w["manager"], w["key_product"]) == 3 and len(_licenses(app, w["order"])) == 3


def test_cap_reached_over_htmx_says_so_in_the_flash_area(client, make, login, hx):
    w = issuing_world(make, caps={"key_product": 0})
    login(w["manager"])
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 1, headers=hx)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flash"
    assert "Cap reached" in response.get_data(as_text=True)


def test_no_cap_still_counts_what_was_issued(app, client, make, login):
    w = issuing_world(make)
    login(w["manager"])
    assert _issue(client, w["order"], w["key_product"], w["key_policy"], 100).status_code == 303
    assert _issued(app, w["manager"], w["key_product"]) == 100


def test_order_page_offers_only_allowed_products_and_policies(client, make, login):
    w = issuing_world(make, caps={"key_product": 7})
    hidden = make.policy(w["key_product"], name="Hidden policy")
    make.product(w["vendor"], name="Forbidden product")
    login(w["manager"])
    html = client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    assert w["key_policy"].name in html and w["user_policy"].name in html
    assert hidden.name not in html and "Forbidden product" not in html
    assert "0 of 7 issued, 7 more allowed" in html
