"""The webhooks pages: register (URL checked), the secret shown once, rotate, redeliver; roles and isolation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from portal.tenancy import all_tenants, set_tenant
from tests.vendor.webhooks.support import deliveries, receiver, register

SECRET = re.compile(r"whsec_[A-Za-z0-9_\-]+")


def _endpoints(app) -> list[WebhookEndpoint]:
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_register_an_endpoint_shows_its_secret_once(app, client, make, login):
    vendor = make.vendor()
    login(make.staff(vendor, role="admin"))
    assert client.get("/vendor/webhooks/new").status_code == 200
    answer = client.post(
        "/vendor/webhooks/new",
        data={
            "url": "https://hooks.vendor.test/in",
            "description": "CRM",
            "events": ["order.created", "seat.assigned"],
        },
    )
    assert answer.status_code == 201
    [endpoint] = _endpoints(app)
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://hooks.vendor.test/in", ["order.created", "seat.assigned"], True,
    )  # fmt: skip
    assert SECRET.search(answer.get_data(as_text=True)).group(0) == endpoint.secret
    page = client.get(f"/vendor/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "https://hooks.vendor.test/in" in page and endpoint.secret not in page
    assert endpoint.secret not in client.get("/vendor/webhooks").get_data(as_text=True)
    [event] = _audit(app, "webhook_endpoint.created")
    assert event.object_label == "webhook https://hooks.vendor.test/in" and "secret" not in (event.after or {})


@pytest.mark.parametrize(
    "url", ["ftp://hooks.vendor.test/in", "javascript:alert(1)", "https://", "hooks.vendor.test", "http://[::1"]
)
def test_only_http_urls_with_a_host_are_accepted(app, client, make, login, url):
    login(make.staff(make.vendor()))
    answer = client.post("/vendor/webhooks/new", data={"url": url, "events": ["order.created"]})
    assert answer.status_code == 422
    assert "Enter an http:// or https:// URL with a host." in answer.get_data(as_text=True)
    assert _endpoints(app) == []


def test_events_must_be_chosen_from_the_list(app, client, make, login):
    login(make.staff(make.vendor()))
    for events in ([], ["license.stolen"]):
        answer = client.post("/vendor/webhooks/new", data={"url": "https://h.test/", "events": events})
        assert answer.status_code == 422
    assert _endpoints(app) == []


def test_rotate_replaces_the_secret_and_shows_the_new_one(app, client, make, login):
    vendor = make.vendor()
    endpoint, old = register(app, vendor, "https://h.test/in")
    login(make.staff(vendor))
    assert client.get(f"/vendor/webhooks/{endpoint.id}/rotate-secret").status_code == 200  # asks first
    answer = client.post(f"/vendor/webhooks/{endpoint.id}/rotate-secret")
    assert answer.status_code == 200
    [now] = _endpoints(app)
    assert now.secret != old and now.secret in answer.get_data(as_text=True)
    assert len(_audit(app, "webhook_endpoint.secret_rotated")) == 1


def test_edit_pauses_an_endpoint(app, client, make, login):
    vendor = make.vendor()
    endpoint, _ = register(app, vendor, "https://h.test/in")
    login(make.staff(vendor))
    answer = client.post(
        f"/vendor/webhooks/{endpoint.id}/edit", data={"url": "https://h.test/v2", "events": ["device.revoked"]}
    )
    assert answer.status_code == 303
    [now] = _endpoints(app)
    assert (now.url, now.events, now.active) == ("https://h.test/v2", ["device.revoked"], False)


def test_redeliver_from_the_endpoint_page(app, client, make, login):
    world = make.world()
    with receiver() as hook:
        endpoint, hook.secret = register(app, world["vendor"], hook.url, events=["order.created"])
        with app.app_context():
            set_tenant(db.session, world["vendor"].id)
            from portal import webhooks

            webhooks.emit("order.created", {"id": world["order"].id}, vendor_account_id=world["vendor"].id)
            db.session.commit()
        [delivery] = deliveries(app)
        login(make.staff(world["vendor"], role="admin"))
        page = client.get(f"/vendor/webhooks/{endpoint.id}").get_data(as_text=True)
        assert "order.created" in page and "Redeliver" in page and "thanks" in page
        answer = client.post(f"/vendor/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver")
        assert answer.status_code == 303
    assert len(hook.requests) == 2 and {r.headers["Portal-Delivery"] for r in hook.requests} == {str(delivery.id)}
    assert all(r.verified for r in hook.requests)
    [again] = deliveries(app)
    assert (again.status, again.attempts) == ("delivered", 2)
    assert len(_audit(app, "webhook_endpoint.redelivered")) == 1


def test_support_staff_read_but_cannot_write(app, client, make, login):
    vendor = make.vendor()
    endpoint, secret = register(app, vendor, "https://h.test/in")
    login(make.staff(vendor, role="support"))
    assert client.get("/vendor/webhooks").status_code == 200
    page = client.get(f"/vendor/webhooks/{endpoint.id}")
    assert page.status_code == 200 and "Rotate the secret" not in page.get_data(as_text=True)
    for path in ("/vendor/webhooks/new", f"/vendor/webhooks/{endpoint.id}/rotate-secret",
                 f"/vendor/webhooks/{endpoint.id}/edit", f"/vendor/webhooks/{endpoint.id}/delete"):  # fmt: skip
        assert client.post(path, data={"url": "https://x.test/", "events": ["order.created"]}).status_code == 403
    [now] = _endpoints(app)
    assert (now.secret, now.url) == (secret, "https://h.test/in")


def test_another_vendors_endpoints_are_404_and_get_none_of_its_events(app, client, make, login):
    home, other = make.world(), make.world()
    with receiver() as mine, receiver() as theirs:
        _, mine.secret = register(app, home["vendor"], mine.url, events=["order.created"])
        foreign, theirs.secret = register(app, other["vendor"], theirs.url, events=["order.created"])
        with app.app_context():
            from portal import webhooks

            set_tenant(db.session, home["vendor"].id)
            webhooks.emit("order.created", {"id": 1}, vendor_account_id=home["vendor"].id)
            db.session.commit()
    assert len(mine.requests) == 1 and theirs.requests == []
    with app.app_context(), all_tenants(db.session):
        theirs_delivery = WebhookDelivery(endpoint_id=foreign.id, vendor_account_id=other["vendor"].id,
                                          event="order.created", payload={})  # fmt: skip
        db.session.add(theirs_delivery)
        db.session.commit()
        delivery_id = theirs_delivery.id
    login(make.staff(home["vendor"]))
    base = f"/vendor/webhooks/{foreign.id}"
    walk = [("GET", base), ("GET", f"{base}/edit"), ("POST", f"{base}/edit"), ("GET", f"{base}/rotate-secret"),
            ("POST", f"{base}/rotate-secret"), ("POST", f"{base}/delete"),
            ("POST", f"{base}/deliveries/{delivery_id}/redeliver")]  # fmt: skip
    for method, path in walk:
        assert client.open(path, method=method).status_code == 404, (method, path)
    assert foreign.url not in client.get("/vendor/webhooks").get_data(as_text=True)
    mine_endpoint = _endpoints(app)[0]
    # a delivery of theirs under an endpoint of mine is not mine either
    assert client.post(f"/vendor/webhooks/{mine_endpoint.id}/deliveries/{delivery_id}/redeliver").status_code == 404
