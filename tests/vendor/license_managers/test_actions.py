"""Actions on a license manager: disable, enable, resend the invitation, remove from orders.

Also the walk of every detail URL with another vendor's manager (404, nothing written).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import LicenseManager, OrderManager, OutboxMail, SignInToken, utcnow
from tests.vendor.license_managers.support import (
    BASE,
    event_count,
    events,
    is_fragment,
    read,
    scalar,
    staffed,
    text,
)


@pytest.fixture
def w(make, login, client):
    return staffed(make, login, client)


def _manager(app, manager_id: int) -> LicenseManager:
    return read(app, lambda: db.session.get(LicenseManager, manager_id))


def _urls(manager_id: int, order_id: int) -> list[tuple[str, str]]:
    """Every URL of the detail blueprint, with the methods it answers."""
    base = f"{BASE}/{manager_id}"
    gets = [
        "",
        "/permissions",
        "/orders",
        "/orders?search=x",
        "/licenses",
        "/user-groups",
        "/report",
        "/disable",
        "/remove-from-orders",
        f"/orders/{order_id}/remove",
    ]
    posts = [
        "/permissions",
        "/orders",
        "/disable",
        "/enable",
        "/resend-invitation",
        "/remove-from-orders",
        "/orders/restore",
        f"/orders/{order_id}/remove",
    ]
    return [("GET", base + p) for p in gets] + [("POST", base + p) for p in posts]


def test_every_detail_url_is_404_for_another_vendors_manager(app, client, hx, make, w):
    other = make.world()
    stranger = make.manager(other["vendor"], status="invited", orders=[other["order"]], password=None)
    urls = _urls(stranger.id, other["order"].id)
    # The walk covers every route of the blueprint.
    rules = {
        r.rule
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("vendor.license_managers.") and "<int:manager_id>" in r.rule
    }
    assert len(rules) == len(
        {
            u.split("?")[0]
            .replace(str(stranger.id), "<int:manager_id>", 1)
            .replace(f"/{other['order'].id}/", "/<int:order_id>/")
            for _, u in urls
        }
    )
    data = {"order": other["order"].id, "permissions": ["issue_license"]}
    for method, url in urls:
        for headers in ({}, hx):
            response = client.open(url, method=method, headers=headers, data=data if method == "POST" else None)
            assert response.status_code == 404, (method, url, response.status_code)
    assert event_count(app) == 0
    assert _manager(app, stranger.id).status == "invited"
    assert (
        scalar(app, sa.select(sa.func.count()).select_from(OrderManager).where(OrderManager.manager_id == stranger.id))
        == 1
    )


def test_removing_another_vendors_order_from_my_manager_is_404(client, make, w):
    other = make.world()
    assert client.get(f"{BASE}/{w['manager'].id}/orders/{other['order'].id}/remove").status_code == 404
    assert client.post(f"{BASE}/{w['manager'].id}/orders/{other['order'].id}/remove").status_code == 404


def test_a_post_without_csrf_token_is_400_and_writes_nothing(app, client, w):
    client.send_csrf = False
    assert client.post(f"{BASE}/{w['manager'].id}/disable").status_code == 400
    assert _manager(app, w["manager"].id).status == "active"
    assert event_count(app) == 0


# Disable and enable


def test_disable_asks_first_without_javascript(app, client, w):
    url = f"{BASE}/{w['manager'].id}/disable"
    pane = client.get(f"{BASE}/{w['manager'].id}").get_data(as_text=True)
    # A button, never a link: its GET form opens the confirmation page, htmx posts after hx-confirm.
    assert f'<form method="get" action="{url}"' in pane and f'hx-post="{url}"' in pane and 'hx-confirm="Disable' in pane
    confirm = client.get(url)
    assert confirm.status_code == 200 and not is_fragment(confirm)
    assert f'<form method="post" action="{url}"' in confirm.get_data(as_text=True)
    assert f"Disable {w['manager'].license_user.email}?" in text(confirm)
    assert _manager(app, w["manager"].id).status == "active"
    response = client.post(url)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{BASE}/{w['manager'].id}")
    assert "is disabled" in text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("path", ["/disable", "/remove-from-orders", "/orders/{order}/remove"])
def test_confirmation_pages_are_fragments_for_htmx_and_pages_without(client, hx, w, path):
    url = f"{BASE}/{w['manager'].id}" + path.format(order=w["order"].id)
    page, fragment = client.get(url), client.get(url, headers=hx)
    assert page.status_code == fragment.status_code == 200
    assert not is_fragment(page) and is_fragment(fragment)
    for response in (page, fragment):
        assert f'<form method="post" action="{url}"' in response.get_data(as_text=True)
        assert "Cancel" in text(response)


def test_disable_ends_the_managers_open_sessions_at_once(app, client, hx, login, w):
    m = w["manager"]
    manager_client = login(m, on=app.test_client())
    assert manager_client.get("/portal/").status_code == 200
    response = client.post(f"{BASE}/{m.id}/disable", headers=hx)
    assert response.status_code == 200 and is_fragment(response)
    body = text(response)
    assert "Disabled" in body and "Enable" in body and "is disabled" in body
    assert "licenseManagerChanged" in response.headers["HX-Trigger"]
    after = _manager(app, m.id)
    assert after.status == "disabled" and after.session_version == m.session_version + 1
    refused = manager_client.get("/portal/")
    assert refused.status_code == 302 and "/portal/login" in refused.headers["Location"]
    [event] = events(app)
    assert (event.action, event.before, event.after) == (
        "license_manager.disabled",
        {"status": "active"},
        {"status": "disabled"},
    )
    assert event.object_id == m.id and event.actor_label == w["staff"].email
    assert event.customer_account_id == w["account"].id


def test_disabling_twice_is_409_and_writes_one_event(app, client, w):
    client.post(f"{BASE}/{w['manager'].id}/disable")
    response = client.post(f"{BASE}/{w['manager'].id}/disable")
    assert response.status_code == 409 and "already disabled" in text(response)
    assert event_count(app) == 1


@pytest.mark.parametrize("signed_in_before,expected", [(True, "active"), (False, "invited")])
def test_enable_returns_to_active_or_invited(app, client, hx, make, w, signed_in_before, expected):
    m = make.manager(w["vendor"], status="disabled", password=None)
    if signed_in_before:
        with app.app_context():
            from portal.tenancy import set_tenant

            set_tenant(db.session, w["vendor"].id)
            db.session.get(LicenseManager, m.id).last_login_at = utcnow()
            db.session.commit()
    response = client.post(f"{BASE}/{m.id}/enable", headers=hx)
    assert response.status_code == 200 and "enabled again" in text(response)
    assert _manager(app, m.id).status == expected
    [event] = events(app)
    assert (event.action, event.before, event.after) == (
        "license_manager.enabled",
        {"status": "disabled"},
        {"status": expected},
    )
    # Enabling an enabled manager changes nothing.
    assert client.post(f"{BASE}/{m.id}/enable").status_code == 409
    assert event_count(app) == 1


# Invitation


def test_resend_invitation_mails_a_fresh_link(app, client, hx, make, w):
    m = make.manager(w["vendor"], status="invited", password=None)
    pane = client.get(f"{BASE}/{m.id}", headers=hx).get_data(as_text=True)
    assert "Resend invitation" in pane
    response = client.post(f"{BASE}/{m.id}/resend-invitation", headers=hx)
    assert response.status_code == 200 and "invitation is on its way" in text(response)
    mails = read(app, lambda: list(db.session.scalars(sa.select(OutboxMail))))
    assert [mail.to for mail in mails] == [m.license_user.email]
    assert "/portal/password/reset/" in mails[0].body
    assert scalar(app, sa.select(sa.func.count()).select_from(SignInToken)) == 1
    assert _manager(app, m.id).invited_at is not None
    [event] = events(app)
    assert event.action == "license_manager.invitation_resent"
    assert event.before == {"invited_at": None, "expires_at": None, "status": "invited"}
    assert event.after["invited_at"] and event.after["expires_at"] and event.after["status"] == "invited"


def test_resend_invitation_is_refused_to_an_active_manager(app, client, w):
    # The pane offers no resend (the list beside it still lists "Resend invitation" among its bulk actions).
    assert 'id="manager-resend"' not in client.get(f"{BASE}/{w['manager'].id}", headers={"HX-Request": "true"}).text
    response = client.post(f"{BASE}/{w['manager'].id}/resend-invitation")
    assert response.status_code == 409
    assert scalar(app, sa.select(sa.func.count()).select_from(OutboxMail)) == 0
    assert event_count(app) == 0


# Remove from all orders


def test_remove_from_all_orders_asks_first_and_removes_every_order(app, client, hx, make, w):
    m = w["manager"]
    second = make.order(w["vendor"], reference="ZZ-2", managers=[m])
    colleague = make.manager(w["vendor"], orders=[w["order"]], password=None)
    url = f"{BASE}/{m.id}/remove-from-orders"
    confirm = client.get(url)
    assert confirm.status_code == 200 and f'<form method="post" action="{url}"' in confirm.get_data(as_text=True)
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 3
    response = client.post(url, headers=hx)
    assert response.status_code == 200 and is_fragment(response)
    assert "no longer manages any order (2 removed)" in text(response)
    remaining = read(app, lambda: list(db.session.execute(sa.select(OrderManager.manager_id)).scalars()))
    assert remaining == [colleague.id]
    [event] = events(app)
    assert event.action == "license_manager.removed_from_all_orders"
    assert event.before == {"orders": sorted([w["order"].reference, second.reference]), "order_count": 2}
    assert event.after == {"orders": [], "order_count": 0}
    # Nothing left to remove: no change, no event.
    again = client.post(url)
    assert again.status_code == 303 and event_count(app) == 1
