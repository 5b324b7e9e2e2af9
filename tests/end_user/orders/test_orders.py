"""Orders in the End User Portal: the list, the order page, scope (404) and creating orders."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, License, Order, OrderManager
from portal.tenancy import all_tenants, set_tenant
from tests.end_user.orders.support import audit_events, field_error, issuing_world, snapshot


def _order(app, reference):
    with app.app_context(), all_tenants(db.session):
        return db.session.scalar(sa.select(Order).where(Order.reference == reference))


def test_list_shows_only_managed_orders_with_license_counts(client, make, login):
    w = issuing_world(make)
    other_order = make.order(w["vendor"], reference="NOT-MINE-1")
    for _ in range(3):
        make.license(w["order"], w["key_policy"])
    make.license(other_order, w["key_policy"])
    login(w["manager"])
    html = client.get("/portal/orders").get_data(as_text=True)
    assert w["order"].reference in html and "NOT-MINE-1" not in html
    row = re.search(rf"{w['order'].reference}</a></td>.*?</tr>", html, re.S).group(0)
    assert '<td class="num">3</td>' in row and w["customer"].email in row


def test_search_by_reference_and_pages(client, make, login, hx):
    w = issuing_world(make)
    for i in range(30):
        make.order(w["vendor"], reference=f"BULK-{i:03d}", managers=[w["manager"]])
    login(w["manager"])
    html = client.get("/portal/orders?q=bulk-01").get_data(as_text=True)
    assert "BULK-010" in html and "BULK-019" in html and "BULK-020" not in html
    assert w["order"].reference not in html
    assert "No order reference contains" in client.get("/portal/orders?q=%25_").get_data(as_text=True)
    first = client.get("/portal/orders").get_data(as_text=True)
    assert "1–25 of 31 orders · page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/portal/orders?page=2", headers=hx)
    body = second.get_data(as_text=True)
    assert "<html" not in body and "26–31 of 31 orders · page 2 of 2" in body and body.count("<tr>") == 6 + 1
    assert "HX-Request" in second.headers["Vary"]


def test_order_page_shows_customer_read_only_and_licenses_newest_first(client, make, login):
    import datetime as dt

    w = issuing_world(make)
    old = make.license(
        w["order"], w["key_policy"], license_key="OLDX-OLDX-OLDX-OLDX", created_at=dt.datetime(2024, 1, 1)
    )
    new = make.license(
        w["order"], w["key_policy"], license_key="NEWX-NEWX-NEWX-NEWX", created_at=dt.datetime(2025, 1, 1)
    )
    login(w["manager"])
    html = client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    assert html.index(new.license_key) < html.index(old.license_key)
    assert f'href="/portal/licenses/{new.id}"' in html
    assert w["customer"].email in html and "Customer details are your vendor" in html
    assert 'name="email"' not in html  # no manager form without manage_managers
    assert "/customers" not in html


@pytest.mark.parametrize("whose", ["other customer", "other vendor"])
def test_orders_outside_scope_are_404_everywhere(app, client, make, login, whose):
    w = issuing_world(make, permissions="all")
    if whose == "other customer":
        account = make.customer_account(w["vendor"])
        stranger = make.manager(w["vendor"], account=account, password=None)
        order = make.order(w["vendor"], make.customer(w["vendor"], account), managers=[stranger])
    else:
        o = make.world()
        stranger = make.manager(o["vendor"], orders=[o["order"]], password=None)
        order = o["order"]
    login(w["manager"])
    before = snapshot(app)
    base = f"/portal/orders/{order.id}"
    answers = [
        client.get(base),
        client.get(f"{base}?page=2"),
        client.post(
            f"{base}/licenses", data={"product": w["key_product"].id, "policy": w["key_policy"].id, "quantity": 1}
        ),
        client.post(f"{base}/managers", data={"email": w["manager"].license_user.email}),
        client.get(f"{base}/managers/{stranger.id}/remove"),
        client.post(f"{base}/managers/{stranger.id}/remove"),
    ]
    assert [r.status_code for r in answers] == [404] * len(answers)
    assert snapshot(app) == before
    assert client.get("/portal/orders/999999").status_code == 404


def test_create_order_with_permission(app, client, make, login):
    w = issuing_world(make, permissions=["create_order"])
    login(w["manager"])
    response = client.post(
        "/portal/orders", data={"reference": "PO-777", "customer": w["customer"].id, "is_trial": "y"}
    )
    assert response.status_code == 303
    order = _order(app, "PO-777")
    assert response.headers["Location"].endswith(f"/portal/orders/{order.id}")
    assert (order.customer_id, order.is_trial, order.is_test, order.is_bundle) == (w["customer"].id, True, False, False)
    assert order.created_by_manager_id == w["manager"].id
    with app.app_context(), all_tenants(db.session):
        assert db.session.get(OrderManager, (order.id, w["manager"].id)) is not None
    [event] = audit_events(app, "order.created")
    assert event.object_label == "order PO-777" and event.customer_account_id == w["account"].id
    assert event.after["customer"] == w["customer"].email
    assert "PO-777" in client.get("/portal/orders").get_data(as_text=True)


def test_create_order_without_permission_is_403_and_writes_nothing(app, client, make, login):
    w = issuing_world(make, permissions=["issue_license", "create_bundle_order"])
    login(w["manager"])
    before = snapshot(app)
    response = client.post("/portal/orders", data={"reference": "PO-1"})
    assert response.status_code == 403 and "create_order" in response.get_data(as_text=True)
    assert client.get("/portal/orders/new").status_code == 403
    assert snapshot(app) == before
    assert "New order</a>" not in client.get("/portal/orders").get_data(as_text=True)


def test_blank_reference_is_generated_unique(app, client, make, login):
    w = issuing_world(make, permissions=["create_order"])
    login(w["manager"])
    for _ in range(2):
        assert client.post("/portal/orders", data={"reference": "  "}).status_code == 303
    with app.app_context(), all_tenants(db.session):
        refs = db.session.scalars(
            sa.select(Order.reference).where(Order.created_by_manager_id == w["manager"].id)
        ).all()
    assert len(set(refs)) == 2
    assert all(re.fullmatch(r"ORD-\d{8}-[A-Z2-9]{4}", ref) for ref in refs)


def test_create_order_422_cases(app, client, make, login):
    w = issuing_world(make, permissions=["create_order"])
    make.order(w["vendor"], reference="TAKEN-1")
    stranger_customer = make.customer(w["vendor"], make.customer_account(w["vendor"]))
    other_vendor_customer = make.world()["customer"]
    login(w["manager"])
    before = snapshot(app)
    cases = [
        ({"reference": "TAKEN-1"}, "reference", "already exists"),
        ({"reference": "bad ref!"}, "reference", "letters, digits"),
        ({"customer": stranger_customer.id}, "customer", "Choose one of your customers"),
        ({"customer": other_vendor_customer.id}, "customer", "Choose one of your customers"),
        ({"customer": "x"}, "customer", ""),
    ]
    for data, field, message in cases:
        response = client.post("/portal/orders", data=data)
        assert response.status_code == 422, data
        assert message in field_error(response.get_data(as_text=True), field)
    assert snapshot(app) == before


def test_customer_choices_are_the_managers_own(client, make, login):
    w = issuing_world(make, permissions=["create_order"])
    mine = make.customer(w["vendor"], w["account"])
    stranger = make.customer(w["vendor"], make.customer_account(w["vendor"]))
    login(w["manager"])
    html = client.get("/portal/orders/new").get_data(as_text=True)
    assert mine.email in html and w["customer"].email in html and stranger.email not in html


def _rows(app, w, n):
    """Add n managed orders (each with a license and its own customer) and n licenses to w's order."""
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        start = db.session.scalar(sa.select(sa.func.count(Order.id)))
        customers = [
            Customer(email=f"qc{start + i}@customer.test", customer_account_id=w["account"].id) for i in range(n)
        ]
        db.session.add_all(customers)
        db.session.flush()
        orders = [Order(reference=f"QC-{start + i}", customer_id=c.id) for i, c in enumerate(customers)]
        db.session.add_all(orders)
        db.session.flush()
        db.session.add_all([OrderManager(order_id=o.id, manager_id=w["manager"].id) for o in orders])
        db.session.add_all(
            [
                License(
                    order_id=order_id,
                    product_id=w["key_product"].id,
                    policy_id=w["key_policy"].id,
                    license_key=f"QC-{start}-{i}-{order_id}",
                )
                for i, order_id in enumerate([o.id for o in orders] + [w["order"].id] * n)
            ]
        )
        db.session.commit()


def test_query_counts_do_not_grow_with_rows(client, make, login, count_queries):
    w = issuing_world(make, permissions="all")
    login(w["manager"])
    counts = []
    for n in (5, 95):
        _rows(client.application, w, n)
        with count_queries() as list_q:
            assert client.get("/portal/orders").status_code == 200
        with count_queries() as page_q:
            assert client.get(f"/portal/orders/{w['order'].id}").status_code == 200
        counts.append((list_q.count, page_q.count))
    assert counts[0] == counts[1], counts


def test_orders_pages_need_a_signed_in_manager(app, client, make, login, hx):
    w = issuing_world(make, permissions="all")
    for path in ("/portal/orders", f"/portal/orders/{w['order'].id}", "/portal/orders/new", "/portal/reports"):
        assert "/portal/login" in client.get(path).headers["Location"]
    assert "/portal/login" in client.get("/portal/orders", headers=hx).headers["HX-Redirect"]
    before = snapshot(app)
    assert client.post("/portal/orders", data={"reference": "ANON-1"}).status_code == 302
    login(make.staff(w["vendor"]))
    assert client.get("/portal/orders").status_code == 403
    assert client.post("/portal/orders", data={"reference": "STAFF-1"}).status_code == 403
    assert snapshot(app) == before


def test_post_without_csrf_token_is_400_and_writes_nothing(app, client, make, login):
    w = issuing_world(make, permissions="all")
    login(w["manager"])
    client.send_csrf = False
    before = snapshot(app)
    assert client.post("/portal/orders", data={"reference": "NO-CSRF"}).status_code == 400
    response = client.post(
        f"/portal/orders/{w['order'].id}/licenses",
        data={"product": w["key_product"].id, "policy": w["key_policy"].id, "quantity": 1},
    )
    assert response.status_code == 400
    assert snapshot(app) == before
