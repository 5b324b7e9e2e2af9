"""Activity: the manager's organisation's audit events and their own, newest first, readable."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.models import AuditEvent, utcnow
from portal.tenancy import set_tenant
from tests.end_user.licenses.support import scene


@pytest.fixture
def w(make, login):
    w = scene(make)
    login(w["manager"])
    return w


def add_event(app, vendor, **fields):
    values = dict(
        actor_type="manager",
        actor_id=None,
        actor_label="someone@customer.test",
        action="license.disabled",
        object_type="license",
        object_label="license X",
        created_at=utcnow(),
    )
    values.update(fields)
    with app.app_context():
        set_tenant(db.session, vendor.id)
        db.session.add(AuditEvent(**values))
        db.session.commit()


def test_shows_the_organisations_events_and_my_own_newest_first(client, make, w):
    app, vendor = make.app, w["vendor"]
    now = utcnow()
    add_event(
        app,
        vendor,
        object_label="license OLDER",
        customer_account_id=w["account"].id,
        created_at=now - dt.timedelta(hours=2),
    )
    add_event(
        app,
        vendor,
        object_label="license NEWER",
        customer_account_id=w["account"].id,
        created_at=now - dt.timedelta(hours=1),
    )
    add_event(
        app, vendor, object_label="license MINE", actor_id=w["manager"].id, created_at=now - dt.timedelta(hours=3)
    )
    add_event(app, vendor, object_label="license ELSEWHERE", customer_account_id=make.customer_account(vendor).id)
    other = make.world()
    add_event(app, other["vendor"], object_label="license OTHER VENDOR", actor_id=w["manager"].id)
    html = client.get("/portal/activity").get_data(as_text=True)
    assert html.index("license NEWER") < html.index("license OLDER") < html.index("license MINE")
    assert "ELSEWHERE" not in html and "OTHER VENDOR" not in html
    assert "Disabled a license" in html and "someone@customer.test" in html


def test_a_real_action_shows_with_its_change(client, make, w):
    lic = make.license(w["order"], w["key_policy"], status="active")
    client.post(f"/portal/licenses/{lic.id}/disable")
    html = client.get("/portal/activity").get_data(as_text=True)
    assert "Disabled a license" in html and f"license {lic.license_key}" in html
    assert "status: <del>active</del> → disabled" in html
    assert w["manager"].license_user.email in html


def test_unknown_actions_still_read_well(client, make, w):
    add_event(make.app, w["vendor"], action="widget.price_changed", customer_account_id=w["account"].id)
    assert "Price changed widget" in client.get("/portal/activity").get_data(as_text=True)


def test_pages_and_fragment(client, make, w, hx, count_queries):
    for i in range(30):
        add_event(
            make.app,
            w["vendor"],
            object_label=f"license N{i:02d}",
            customer_account_id=w["account"].id,
            created_at=utcnow() - dt.timedelta(minutes=i),
        )
    first = client.get("/portal/activity").get_data(as_text=True)
    assert "license N00" in first and "license N29" not in first and "1–25 of 30 events" in first
    with count_queries() as q:
        second = client.get("/portal/activity?page=2", headers=hx).get_data(as_text=True)
    assert "license N29" in second and "<html" not in second
    assert q.count == 3  # the signed-in manager, one page, one capped count
