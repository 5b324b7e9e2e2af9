"""The license manager detail: pane and full page, the tabs, permissions and orders."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_login import current_user

from portal import access
from portal import permissions as perms
from portal.models import LicenseManager, ManagerPolicy, ManagerProduct, OrderManager
from tests.vendor.license_managers.support import (
    BASE,
    bulk_orders,
    event_count,
    events,
    field_error,
    is_fragment,
    read,
    scalar,
    selected_tab,
    staffed,
    text,
)
from tests.vendor.license_managers.support import staff as staff_user

TABS = {
    "permissions": "permissions",
    "orders": "orders",
    "licenses": "licenses",
    "user-groups": "user_groups",
    "report": "report",
}


@pytest.fixture
def w(make, login, client):
    return staffed(make, login, client)


# Pane, page and tabs


def test_detail_is_a_pane_for_htmx_and_a_page_on_its_own(client, hx, w):
    url = f"{BASE}/{w['manager'].id}"
    pane = client.get(url, headers=hx)
    assert pane.status_code == 200 and is_fragment(pane)
    assert "HX-Request" in pane.headers["Vary"]
    body = text(pane)
    email = w["manager"].license_user.email
    for seen in (
        email,
        w["account"].name,
        "Active",
        "Created",
        "Last sign-in",
        "Invited",
        "Disable",
        "Remove from all orders",
    ):
        assert seen in body
    html = pane.get_data(as_text=True)
    assert 'role="tablist"' in html and 'role="tabpanel"' in html and 'id="manager-tabs"' in html
    assert selected_tab(pane) == ["permissions"]
    assert "Back to all license managers" not in body

    page = client.get(url)
    assert page.status_code == 200 and not is_fragment(page)
    assert "Back to all license managers" in text(page) and 'id="detail-pane"' in page.get_data(as_text=True)
    assert email in text(page)


@pytest.mark.parametrize("path,key", TABS.items())
def test_each_tab_is_a_fragment_for_htmx_and_a_page_on_its_own(client, hx, w, path, key):
    url = f"{BASE}/{w['manager'].id}/{path}"
    fragment = client.get(url, headers=hx)
    assert fragment.status_code == 200 and is_fragment(fragment)
    html = fragment.get_data(as_text=True)
    assert 'role="tabpanel"' in html and f'aria-labelledby="tab-{key}"' in html
    assert selected_tab(fragment) == [key]
    # The tab swaps below the header: the fragment holds no second header or actions.
    assert 'id="manager-name"' not in html and "Remove from all orders" not in html
    for other_path in TABS:
        assert f'hx-get="{BASE}/{w["manager"].id}/{other_path}"' in html
    # A tab change replaces the history entry: one Back leaves the pane.
    assert 'hx-target="#manager-tabs"' in html and 'hx-replace-url="true"' in html and "hx-push-url" not in html

    page = client.get(url)
    assert page.status_code == 200 and not is_fragment(page)
    assert selected_tab(page) == [key]
    assert "Back to all license managers" in text(page)
    assert 'id="manager-name"' in page.get_data(as_text=True)


def test_a_history_restore_gets_the_whole_page(client, hx, w):
    response = client.get(f"{BASE}/{w['manager'].id}/orders", headers={**hx, "HX-History-Restore-Request": "true"})
    assert not is_fragment(response)


def test_unknown_manager_is_404(client, w):
    assert client.get(f"{BASE}/999999").status_code == 404
    assert client.get(f"{BASE}/999999/orders").status_code == 404


def test_managers_and_strangers_cannot_open_the_detail(app, client, make, login, w):
    url = f"{BASE}/{w['manager'].id}"
    assert app.test_client().get(url).status_code == 302
    manager_client = login(w["manager"], on=app.test_client())
    assert manager_client.get(url).status_code == 403


# Permissions tab


def _permissions_form(w, codes, products=None, caps=None, policies=None) -> dict:
    data = {
        "permissions": codes,
        "products": [str(p) for p in (products if products is not None else [w["key_product"].id])],
        "policies": [str(p) for p in (policies if policies is not None else [w["key_policy"].id])],
    }
    for product_id, cap in (caps or {}).items():
        data[f"cap-{product_id}"] = "" if cap is None else str(cap)
    return data


def test_permissions_tab_lists_the_twelve_with_explanations_and_the_scope(client, w, make):
    make.policy(w["user_product"], name="Seat policy")
    response = client.get(f"{BASE}/{w['manager'].id}/permissions")
    body = text(response)
    for permission in perms.PERMISSIONS:
        assert permission.label in body and permission.description in body
    # Counted in the tab alone: the list beside it has its own (bulk) permission boxes.
    html = client.get(f"{BASE}/{w['manager'].id}/permissions", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.count('name="permissions"') == 12
    assert html.count("checked") >= 2 + 1 + 1  # two codes, the key product, its policy
    assert w["key_product"].name in body and w["user_product"].name in body
    assert "Seat policy" in body
    assert f'name="cap-{w["user_product"].id}"' in html


def test_saving_permissions_writes_them_with_one_audit_event(app, client, hx, w):
    m, key, user = w["manager"], w["key_product"], w["user_product"]
    response = client.post(
        f"{BASE}/{m.id}/permissions",
        headers=hx,
        data=_permissions_form(
            w,
            ["reset_device", "issue_license"],
            products=[key.id, user.id],
            caps={key.id: 7, user.id: None},
            policies=[w["user_policy"].id, w["key_policy"].id],
        ),
    )
    assert response.status_code == 200 and is_fragment(response)
    assert "saved" in text(response) and 'hx-swap-oob="true"' in response.get_data(as_text=True)
    assert selected_tab(response) == ["permissions"]

    manager = read(app, lambda: app.extensions["sqlalchemy"].session.get(LicenseManager, m.id))
    assert perms.to_codes(manager.permissions) == ["issue_license", "reset_device"]
    rows = read(
        app,
        lambda: {
            r.product_id: r.cap
            for r in app.extensions["sqlalchemy"].session.scalars(
                sa.select(ManagerProduct).where(ManagerProduct.manager_id == m.id)
            )
        },
    )
    assert rows == {key.id: 7, user.id: None}
    policies = read(
        app,
        lambda: list(
            app.extensions["sqlalchemy"].session.scalars(
                sa.select(ManagerPolicy.policy_id).where(ManagerPolicy.manager_id == m.id)
            )
        ),
    )
    assert sorted(policies) == sorted([w["user_policy"].id, w["key_policy"].id])

    [event] = events(app)
    assert event.action == "license_manager.permissions_updated"
    assert event.actor_type == "staff" and event.actor_label == w["staff"].email
    assert event.object_type == "license_manager" and event.object_id == m.id
    assert event.object_label == m.license_user.email
    assert event.before["permissions"] == ["create_order", "issue_license"]
    assert event.after["permissions"] == ["issue_license", "reset_device"]
    assert event.before["products"] == [{"product": key.name, "cap": None}]
    assert sorted(p["product"] for p in event.after["products"]) == sorted([key.name, user.name])
    assert event.before["policies"] == [w["key_policy"].name]
    assert event.after["policies"] == sorted([w["user_policy"].name, w["key_policy"].name])


def test_saving_without_javascript_redirects_to_the_tab(client, w):
    url = f"{BASE}/{w['manager'].id}/permissions"
    response = client.post(url, data=_permissions_form(w, ["issue_license"]))
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    assert "saved" in text(client.get(url))


def test_saving_the_same_set_writes_nothing(app, client, w):
    response = client.post(
        f"{BASE}/{w['manager'].id}/permissions", data=_permissions_form(w, ["issue_license", "create_order"])
    )
    assert response.status_code == 303
    assert event_count(app) == 0


def test_taking_a_permission_away_refuses_it_on_the_managers_next_request(app, client, w, login):
    manager_client = login(w["manager"], on=app.test_client())
    assert manager_client.get("/portal/orders/new").status_code == 200
    client.post(f"{BASE}/{w['manager'].id}/permissions", data=_permissions_form(w, ["issue_license"]))
    refused = manager_client.get("/portal/orders/new")
    assert refused.status_code == 403 and "Create order" in text(refused)
    with manager_client:
        assert manager_client.get("/portal/").status_code == 200
        assert current_user.manager.permission_codes == ["issue_license"]
        assert access.can("issue_license") and not access.can("create_order")


@pytest.mark.parametrize(
    "change,field,message",
    [
        (dict(codes=["issue_license", "launch_rockets"]), "permissions", "Unknown permission: launch_rockets"),
        (dict(caps="negative"), "cap", "A cap must be 0 or more."),
        (dict(caps="text"), "cap", "Enter a whole number"),
        (dict(caps="below_issued"), "cap", "already issued"),
        (dict(products="foreign"), "products", "Unknown product"),
        (dict(policies="foreign"), "policies", "Unknown license policy"),
        (dict(products="junk"), "products", "Unknown product: x1"),
    ],
)
def test_bad_permission_input_is_422_at_the_field_and_writes_nothing(app, client, hx, make, w, change, field, message):
    key = w["key_product"]
    other = make.world()
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        from portal.tenancy import set_tenant

        set_tenant(db.session, w["vendor"].id)
        db.session.execute(
            sa.update(ManagerProduct).where(ManagerProduct.manager_id == w["manager"].id).values(issued=3)
        )
        db.session.commit()
    data = _permissions_form(w, change.get("codes", ["reset_license"]), caps={key.id: 5})
    if change.get("caps") == "negative":
        data[f"cap-{key.id}"] = "-1"
    elif change.get("caps") == "text":
        data[f"cap-{key.id}"] = "ten"
    elif change.get("caps") == "below_issued":
        data[f"cap-{key.id}"] = "2"
    if change.get("products") == "foreign":
        data["products"].append(str(other["key_product"].id))
    elif change.get("products") == "junk":
        data["products"].append("x1")
    if change.get("policies") == "foreign":
        data["policies"].append(str(other["key_policy"].id))
    for headers in ({}, hx):
        response = client.post(f"{BASE}/{w['manager'].id}/permissions", data=data, headers=headers)
        assert response.status_code == 422
        field_id = f"cap-{key.id}" if field == "cap" else field
        assert message in field_error(response, field_id)
    assert is_fragment(response) and selected_tab(response) == ["permissions"]
    manager = read(app, lambda: app.extensions["sqlalchemy"].session.get(LicenseManager, w["manager"].id))
    assert perms.to_codes(manager.permissions) == ["create_order", "issue_license"]
    assert scalar(app, sa.select(ManagerProduct.cap).where(ManagerProduct.manager_id == w["manager"].id)) is None
    assert event_count(app) == 0


# Orders tab


def test_orders_tab_lists_orders_with_customer_license_count_and_date(client, make, w):
    for _ in range(3):
        make.license(w["order"], w["key_policy"])
    body = text(client.get(f"{BASE}/{w['manager'].id}/orders"))
    assert w["order"].reference in body and w["customer"].company in body
    assert f"{w['order'].reference} {w['customer'].company} {w['customer'].email} 3 " in body


def test_adding_an_order_with_htmx_and_without(app, client, hx, make, w):
    m = w["manager"]
    first, second = make.order(w["vendor"], w["customer"]), make.order(w["vendor"])
    response = client.post(f"{BASE}/{m.id}/orders", headers=hx, data={"order": first.id})
    assert response.status_code == 200 and is_fragment(response)
    assert selected_tab(response) == ["orders"] and first.reference in text(response)
    assert "now manages order" in text(response)
    response = client.post(f"{BASE}/{m.id}/orders", data={"order": second.id})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{BASE}/{m.id}/orders")
    managed = read(
        app,
        lambda: set(
            app.extensions["sqlalchemy"].session.scalars(
                sa.select(OrderManager.order_id).where(OrderManager.manager_id == m.id)
            )
        ),
    )
    assert managed == {w["order"].id, first.id, second.id}
    added = events(app, "license_manager.order_added")
    assert [e.after for e in added] == [{"order": first.reference}, {"order": second.reference}]
    assert all(e.object_id == m.id and e.before is None for e in added)


@pytest.mark.parametrize("case", ["foreign", "unknown", "managed", "missing", "junk", "huge"])
def test_adding_a_bad_order_is_422_and_writes_nothing(app, client, hx, make, w, case):
    other = make.world()
    order = {
        "foreign": other["order"].id,
        "unknown": 987654,
        "managed": w["order"].id,
        "missing": "",
        "junk": "abc",
        "huge": 10**20,
    }[case]
    response = client.post(f"{BASE}/{w['manager'].id}/orders", headers=hx, data={"order": order})
    assert response.status_code == 422 and is_fragment(response)
    assert field_error(response, "order")
    if case == "managed":
        assert "already manages" in field_error(response, "order")
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 1
    assert event_count(app) == 0


def test_order_search_answers_matching_options_for_htmx(client, hx, make, w):
    acme = make.customer(w["vendor"])
    make.order(w["vendor"], acme, reference="ACME-1")
    make.order(w["vendor"], reference="ZED-9")
    other = make.world()
    make.order(other["vendor"], reference="ACME-2")
    url = f"{BASE}/{w['manager'].id}/orders"
    options = client.get(url, query_string={"search": "acme"}, headers=hx)
    assert options.status_code == 200 and is_fragment(options)
    html = options.get_data(as_text=True)
    assert "ACME-1" in html and "ZED-9" not in html and "ACME-2" not in html
    assert 'role="tabpanel"' not in html and 'name="order"' in html
    by_customer = client.get(url, query_string={"search": acme.email}, headers=hx)
    assert "ACME-1" in by_customer.get_data(as_text=True)
    # Already managed orders are not offered; a literal % matches nothing special.
    assert w["order"].reference not in client.get(url, query_string={"search": ""}, headers=hx).get_data(as_text=True)
    assert "ACME-1" not in client.get(url, query_string={"search": "%"}, headers=hx).get_data(as_text=True)


def test_an_over_long_order_search_is_422_at_the_field(client, hx, w):
    url = f"{BASE}/{w['manager'].id}/orders"
    for headers in ({}, hx):
        response = client.get(url, query_string={"search": "x" * 101}, headers=headers)
        assert response.status_code == 422
        assert "longer than 100" in field_error(response, "order-search")


def test_order_search_works_without_javascript(client, make, w):
    make.order(w["vendor"], reference="FIND-ME")
    make.order(w["vendor"], reference="NOT-THIS")
    page = client.get(f"{BASE}/{w['manager'].id}/orders?search=find")
    assert page.status_code == 200 and not is_fragment(page)
    assert "FIND-ME" in text(page) and "NOT-THIS" not in text(page)
    assert 'value="find"' in page.get_data(as_text=True)


def test_removing_one_order_asks_first_without_javascript(app, client, hx, w):
    m, order = w["manager"], w["order"]
    url = f"{BASE}/{m.id}/orders/{order.id}/remove"
    tab = client.get(f"{BASE}/{m.id}/orders").get_data(as_text=True)
    assert f'<form method="get" action="{url}"' in tab and f'hx-post="{url}"' in tab and "hx-confirm=" in tab
    confirm = client.get(url)
    assert confirm.status_code == 200 and not is_fragment(confirm)
    html = confirm.get_data(as_text=True)
    assert f'<form method="post" action="{url}"' in html and order.reference in text(confirm)
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 1
    response = client.post(url, headers=hx)
    assert response.status_code == 200 and selected_tab(response) == ["orders"]
    assert "no longer manages order" in text(response)
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 0
    [event] = events(app)
    assert event.action == "license_manager.order_removed" and event.before == {"order": order.reference}
    # The order is no longer the manager's: removing it again is 404.
    assert client.post(url).status_code == 404


# Licenses and user groups tabs


def test_licenses_tab_pages_through_licenses_with_seats_and_expiry(app, client, make, w):
    lic = make.license(
        w["order"],
        w["key_policy"],
        license_type="time-limited",
        valid_until=dt.datetime(2031, 5, 17),
        created_at=dt.datetime(2020, 1, 1),
    )
    make.device(lic)
    bulk_orders(app, w["vendor"], w["manager"], 30, licenses_each=1, policy=w["key_policy"])
    url = f"{BASE}/{w['manager'].id}/licenses"
    first = text(client.get(url))
    assert "1–25 of 31 licenses" in first
    last = client.get(url, query_string={"page": 2})
    body = text(last)
    assert "26–31 of 31 licenses" in body and lic.license_key in body
    assert "1 of 3" in body and "17 May 2031" in body and "Time-limited" in body
    assert "Previous" in body and "Next" not in body
    assert "1–25" in text(client.get(url, query_string={"page": "junk"}))
    assert "No licenses" in text(client.get(url, query_string={"page": 10**9}))


def test_user_groups_tab_counts_members(client, make, w):
    members = [make.license_user(w["vendor"]) for _ in range(3)]
    make.user_group(w["vendor"], name="Design team", members=members, managers=[w["manager"]])
    make.user_group(w["vendor"], name="Not theirs", members=members[:1])
    body = text(client.get(f"{BASE}/{w['manager'].id}/user-groups"))
    listed = body.split("Add group", 1)[1]  # after the form offering the groups they do not manage
    assert "Design team" in listed and "Not theirs" not in listed
    assert "Design team" in body and body.split("Design team", 1)[1].split()[1] == "3"


# Cost


@pytest.mark.parametrize("path", ["", "/permissions", "/orders", "/licenses", "/user-groups", "/report"])
def test_detail_and_tabs_cost_the_same_at_5_and_100_orders(app, client, hx, make, count_queries, path):
    counts = []
    for n in (5, 100):
        w = make.world()
        staff = staff_user(make, w["vendor"])
        manager = make.manager(w["vendor"], permissions="all", products=[w["key_product"]], password=None)
        bulk_orders(app, w["vendor"], manager, n, licenses_each=2, policy=w["key_policy"], customer=w["customer"])
        for _ in range(3 if n == 5 else 12):
            make.user_group(w["vendor"], managers=[manager], members=[])
        client_n = app.test_client()
        with client_n.session_transaction() as session:
            session["_user_id"] = f"staff:{staff.id}:{staff.session_version}"
        for headers in ({}, hx):
            client_n.get(f"{BASE}/{manager.id}{path}", headers=headers)  # warm up
        with count_queries() as q:
            assert client_n.get(f"{BASE}/{manager.id}{path}", headers=hx).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts
