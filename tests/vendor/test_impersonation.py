"""Staff view the End User Portal as a manager: read-only on the server, audited, a banner with an exit.

The walk posts to every End User Portal rule of the URL map (and every other method but GET),
so a write added later is refused too.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, LicenseManager
from portal.models.base import Base
from portal.tenancy import all_tenants
from tests.vendor.license_managers.support import staff

READ = {"GET", "HEAD", "OPTIONS"}


@pytest.fixture
def w(make, login, client):
    world = make.world()
    world["staff"] = staff(make, world["vendor"])
    world["manager"] = make.manager(
        world["vendor"],
        email="viewed@globex.test",
        permissions="all",
        account=world["account"],
        orders=[world["order"]],
        products=[world["key_product"], world["user_product"]],
        policies=[world["key_policy"], world["user_policy"]],
    )
    world["license"] = make.license(world["order"], world["user_policy"])
    world["device"] = make.device(make.license(world["order"], world["key_policy"]))
    world["user"] = make.license_user(world["vendor"], account=world["account"])
    make.assignment(world["license"], world["user"])
    world["group"] = make.user_group(world["vendor"], members=[world["user"]], managers=[world["manager"]])
    login(world["staff"])
    return world


def _start(client, manager_id):
    return client.post(f"/vendor/license-managers/{manager_id}/view-as")


def _events(app, action):
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _fingerprint(app) -> dict:
    with app.app_context(), all_tenants(db.session):
        counts = {
            t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in Base.metadata.sorted_tables
        }
        managers = db.session.execute(sa.select(LicenseManager.id, LicenseManager.status, LicenseManager.permissions))
        return {"counts": counts, "managers": sorted(managers.tuples())}


def test_start_shows_the_portal_as_the_manager_with_a_banner(app, client, w):
    response = _start(client, w["manager"].id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/")
    page = client.get("/portal/orders")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and w["order"].reference in html
    assert "Read-only view." in html and "viewed@globex.test" in html and w["staff"].email in html
    assert 'action="/vendor/view-as/end"' in html
    [event] = _events(app, "impersonation.started")
    assert event.actor_type == "staff" and event.actor_label == w["staff"].email
    assert event.object_type == "license_manager" and event.object_id == w["manager"].id
    assert event.object_label == "viewed@globex.test"
    # The staff member's own pages still work meanwhile.
    assert client.get("/vendor/license-managers").status_code == 200


def test_every_portal_write_is_refused_and_nothing_is_written(app, client, w):
    _start(client, w["manager"].id)
    ids = {
        "order_id": w["order"].id,
        "license_id": w["license"].id,
        "device_id": w["device"].id,
        "user_id": w["user"].id,
        "group_id": w["group"].id,
        "manager_id": w["manager"].id,
    }
    before = _fingerprint(app)
    walked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/portal", "/api")):
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = ids.get(argument, 1)
            path = re.sub(r"<(?:[a-z]+:)?" + argument + ">", str(value), path)
        for method in sorted(rule.methods - READ):
            if rule.endpoint == "auth.portal_logout":
                continue  # signing out ends the view instead (below)
            response = client.open(path, method=method, data={"email": "x@y.test", "quantity": "1"})
            walked.append((method, path, response))
    portal_writes = [x for x in walked if x[1].startswith("/portal")]
    assert len(portal_writes) >= 20, [x[:2] for x in walked]
    wrong = [(m, p, r.status_code) for m, p, r in walked if r.status_code != 403]
    assert wrong == []
    unexplained = [
        (m, p) for m, p, r in walked if "Read-only: viewing as viewed@globex.test" not in r.get_data(as_text=True)
    ]
    assert unexplained == []
    assert _fingerprint(app) == before


def test_an_htmx_write_is_refused_in_the_flash_area(client, hx, w):
    _start(client, w["manager"].id)
    response = client.post(f"/portal/licenses/{w['license'].id}/reset", headers=hx)
    assert response.status_code == 403 and "Read-only: viewing as" in response.get_data(as_text=True)


def test_exit_ends_the_view_and_restores_the_staff_session(app, client, w):
    _start(client, w["manager"].id)
    assert client.get("/portal/").status_code == 200
    response = client.post("/vendor/view-as/end")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/vendor/license-managers/{w['manager'].id}")
    [event] = _events(app, "impersonation.ended")
    assert event.actor_label == w["staff"].email and event.object_id == w["manager"].id
    assert event.after == {"reason": "exit"}
    # Back to being staff: the portal is the other side again, the vendor platform works.
    assert client.get("/portal/").status_code == 403
    assert client.get("/vendor/license-managers").status_code == 200


def test_signing_out_of_the_portal_ends_the_view_only(app, client, w):
    _start(client, w["manager"].id)
    response = client.post("/portal/logout")
    assert response.status_code == 303 and "/vendor/license-managers/" in response.headers["Location"]
    assert len(_events(app, "impersonation.ended")) == 1
    assert client.get("/vendor/license-managers").status_code == 200


def test_a_manager_disabled_meanwhile_ends_the_view(app, client, w):
    _start(client, w["manager"].id)
    assert client.post(f"/vendor/license-managers/{w['manager'].id}/disable").status_code == 303
    response = client.get("/portal/orders")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/vendor/license-managers/{w['manager'].id}"
    )
    [event] = _events(app, "impersonation.ended")
    assert event.after == {"reason": "manager disabled or removed"}
    assert client.get("/portal/").status_code == 403


def test_a_disabled_manager_cannot_be_viewed_and_another_vendors_is_404(app, client, make, w):
    disabled = make.manager(w["vendor"], status="disabled")
    assert _start(client, disabled.id).status_code == 409
    other = make.manager(make.vendor())
    assert _start(client, other.id).status_code == 404
    assert client.get("/portal/").status_code == 403
    assert _events(app, "impersonation.started") == []


def test_every_staff_role_may_view_as_and_it_asks_first_without_javascript(app, client, make, login, w):
    for role in ("support", "admin", "owner"):
        person = make.staff(w["vendor"], role=role)
        login(person)
        confirm = client.get(f"/vendor/license-managers/{w['manager'].id}/view-as")
        assert confirm.status_code == 200 and "View the portal as viewed@globex.test?" in confirm.get_data(as_text=True)
        assert _start(client, w["manager"].id).status_code == 303, role
        assert client.get("/portal/").status_code == 200, role
        assert client.post("/vendor/view-as/end").status_code == 303
    assert len(_events(app, "impersonation.started")) == 3 == len(_events(app, "impersonation.ended"))


def test_the_pane_offers_it(client, w):
    html = client.get(f"/vendor/license-managers/{w['manager'].id}").get_data(as_text=True)
    assert f'action="/vendor/license-managers/{w["manager"].id}/view-as"' in html
