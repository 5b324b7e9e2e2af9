"""An order's managers: add a colleague by email, remove one, leave an order (manage_managers)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import OrderManager
from portal.tenancy import all_tenants
from tests.end_user.orders.support import audit_events, field_error, issuing_world, snapshot


def _managers_of(app, order) -> set[int]:
    with app.app_context(), all_tenants(db.session):
        return set(db.session.scalars(sa.select(OrderManager.manager_id).where(OrderManager.order_id == order.id)))


def _world(make, permissions=("manage_managers",)):
    w = issuing_world(make, permissions=permissions)
    w["colleague"] = make.manager(w["vendor"], account=w["account"], password=None)  # same organisation
    other_account = make.customer_account(w["vendor"])
    w["partner"] = make.manager(w["vendor"], account=other_account, password=None)  # shares another order
    w["shared"] = make.order(w["vendor"], managers=[w["manager"], w["partner"]])
    w["stranger"] = make.manager(w["vendor"], account=other_account, password=None)  # nothing in common
    w["foreign"] = make.manager(make.vendor(), email="foreign@vendor.test", password=None)
    return w


def test_add_colleagues_with_permission(app, client, make, login):
    w = _world(make)
    login(w["manager"])
    for other in (w["colleague"], w["partner"]):
        email = other.license_user.email.upper()  # emails match whatever their case
        response = client.post(f"/portal/orders/{w['order'].id}/managers", data={"email": email})
        assert response.status_code == 303
    assert _managers_of(app, w["order"]) == {w["manager"].id, w["colleague"].id, w["partner"].id}
    events = audit_events(app, "order.manager_added")
    assert [e.after["manager"] for e in events] == [w["colleague"].license_user.email, w["partner"].license_user.email]
    assert all(e.customer_account_id == w["account"].id for e in events)
    html = client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    assert "now manages order" in html and w["partner"].license_user.email in html


def test_add_manager_refuses_strangers_alike(app, client, make, login):
    w = _world(make)
    disabled = make.manager(w["vendor"], account=w["account"], status="disabled", password=None)
    login(w["manager"])
    before = snapshot(app)
    for email in (
        w["stranger"].license_user.email,
        "foreign@vendor.test",
        "nobody@nowhere.test",
        disabled.license_user.email,
    ):
        response = client.post(f"/portal/orders/{w['order'].id}/managers", data={"email": email})
        assert response.status_code == 422, email
        assert (
            field_error(response.get_data(as_text=True), "email") == "No license manager you work with has this email."
        )
    response = client.post(f"/portal/orders/{w['order'].id}/managers", data={"email": w["manager"].license_user.email})
    assert response.status_code == 422
    assert "already manages this order" in field_error(response.get_data(as_text=True), "email")
    response = client.post(f"/portal/orders/{w['order'].id}/managers", data={"email": ""})
    assert response.status_code == 422
    assert snapshot(app) == before


def test_manage_managers_needs_the_permission(app, client, make, login):
    w = _world(make, permissions=["create_order", "issue_license"])
    login(w["manager"])
    before = snapshot(app)
    add = client.post(f"/portal/orders/{w['shared'].id}/managers", data={"email": w["colleague"].license_user.email})
    remove_url = f"/portal/orders/{w['shared'].id}/managers/{w['partner'].id}/remove"
    for response in (add, client.get(remove_url), client.post(remove_url)):
        assert response.status_code == 403
        assert "manage_managers" in response.get_data(as_text=True)
    assert snapshot(app) == before
    html = client.get(f"/portal/orders/{w['shared'].id}").get_data(as_text=True)
    assert "/remove" not in html and "Add manager" not in html


def test_remove_manager_confirms_then_removes(app, client, make, login, hx):
    w = _world(make)
    login(w["manager"])
    url = f"/portal/orders/{w['shared'].id}/managers/{w['partner'].id}/remove"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Remove {w['partner'].license_user.email}?" in html
    assert f'action="{url}"' in html and 'method="post"' in html
    detail = client.get(f"/portal/orders/{w['shared'].id}").get_data(as_text=True)
    assert f'hx-post="{url}"' in detail and "hx-confirm=" in detail and f'action="{url}"' in detail
    response = client.post(url, headers=hx)
    assert response.status_code == 204 and "HX-Redirect" in response.headers
    assert _managers_of(app, w["shared"]) == {w["manager"].id}
    [event] = audit_events(app, "order.manager_removed")
    assert event.before == {"manager": w["partner"].license_user.email}
    assert client.post(url).status_code == 404  # no longer on the order


def test_last_manager_cannot_leave_but_can_when_someone_remains(app, client, make, login):
    w = _world(make)
    login(w["manager"])
    leave_alone = f"/portal/orders/{w['order'].id}/managers/{w['manager'].id}/remove"
    assert leave_alone not in client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    leave_shared = f"/portal/orders/{w['shared'].id}/managers/{w['manager'].id}/remove"
    assert leave_shared in client.get(f"/portal/orders/{w['shared'].id}").get_data(as_text=True)
    before = snapshot(app)
    alone = client.post(f"/portal/orders/{w['order'].id}/managers/{w['manager'].id}/remove")
    assert alone.status_code == 409
    assert "only manager" in alone.get_data(as_text=True)
    assert snapshot(app) == before
    leave = client.post(f"/portal/orders/{w['shared'].id}/managers/{w['manager'].id}/remove")
    assert leave.status_code == 303 and leave.headers["Location"].endswith("/portal/orders")
    assert _managers_of(app, w["shared"]) == {w["partner"].id}
    assert client.get(f"/portal/orders/{w['shared'].id}").status_code == 404


def test_a_disabled_comanager_does_not_count_as_someone_remaining(app, client, make, login):
    w = _world(make)
    disabled = make.manager(w["vendor"], account=w["account"], status="disabled", password=None)
    make.assign(disabled, w["order"])
    login(w["manager"])
    before, managers = snapshot(app), _managers_of(app, w["order"])
    response = client.post(f"/portal/orders/{w['order'].id}/managers/{w['manager'].id}/remove")
    assert response.status_code == 409 and "only manager" in response.get_data(as_text=True)
    # Nothing changed: both stay on the order and no event was written.
    assert snapshot(app) == before and _managers_of(app, w["order"]) == managers == {w["manager"].id, disabled.id}
    assert audit_events(app, "order.manager_removed") == []


def test_remove_a_manager_of_another_order_is_404(client, make, login):
    w = _world(make)
    login(w["manager"])
    url = f"/portal/orders/{w['order'].id}/managers/{w['partner'].id}/remove"
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
