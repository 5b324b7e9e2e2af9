"""Activity: the events on the manager's orders and their own, newest first, readable, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.models import utcnow
from tests.end_user.activity.support import activity_world, add_event


@pytest.fixture
def w(make, login):
    w = activity_world(make)
    w["license"] = make.license(w["order"], w["key_policy"])
    login(w["manager"])
    return w


def test_shows_the_events_on_my_orders_and_my_own_newest_first(client, make, w):
    app, vendor, now = make.app, w["vendor"], utcnow()
    on_mine = dict(object_id=w["license"].id, customer_account_id=w["account"].id)
    add_event(app, vendor, object_label="license OLDER", created_at=now - dt.timedelta(hours=2), **on_mine)
    add_event(app, vendor, object_label="license NEWER", created_at=now - dt.timedelta(hours=1), **on_mine)
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
    assert "Status: <del>active</del> → disabled" in html
    assert w["manager"].license_user.email in html


def test_unknown_actions_still_read_well(client, make, w):
    add_event(make.app, w["vendor"], action="widget.price_changed", actor_id=w["manager"].id)
    assert "Price changed widget" in client.get("/portal/activity").get_data(as_text=True)


def test_pages_and_fragment(client, make, w, hx, count_queries):
    for i in range(30):
        add_event(
            make.app,
            w["vendor"],
            object_id=w["license"].id,
            object_label=f"license N{i:02d}",
            created_at=utcnow() - dt.timedelta(minutes=i),
        )
    first = client.get("/portal/activity").get_data(as_text=True)
    assert "license N00" in first and "license N29" not in first and "1–25 of 30 events" in first
    with count_queries() as q:
        second = client.get("/portal/activity?page=2", headers=hx).get_data(as_text=True)
    assert "license N29" in second and "<html" not in second
    assert q.count == 4  # the signed-in manager, their scope's size (scope.is_large), one page, one capped count


def test_a_colleague_on_another_order_sees_none_of_its_events(client, make, login):
    """Issue 8 #3: two managers of one customer, each on their own order, see only their own order's events."""
    w = activity_world(make)
    theirs = make.order(w["vendor"], customer=w["customer"])
    colleague = make.manager(w["vendor"], permissions="all", account=w["account"], orders=[theirs])
    their_license = make.license(theirs, w["key_policy"], status="active", license_key="THEM-THEM-THEM-THEM")
    device = make.device(their_license, hostname="their-host")
    login(colleague)
    assert client.post(f"/portal/licenses/{their_license.id}/disable").status_code in (200, 303)
    client.post(f"/portal/devices/{device.id}/reset")
    add_event(
        make.app,
        w["vendor"],
        object_type="order",
        object_id=theirs.id,
        object_label=f"order {theirs.reference}",
        customer_account_id=w["account"].id,
        after={"note": "SECRET NOTE"},
    )
    login(w["manager"])
    assert client.get(f"/portal/licenses/{their_license.id}").status_code == 404
    for url in ("/portal/activity", "/portal/"):
        html = client.get(url).get_data(as_text=True)
        assert "THEM-THEM" not in html and "their-host" not in html and "SECRET NOTE" not in html, url
        assert theirs.reference not in html, url
    # The colleague sees the same events as their own.
    login(colleague)
    html = client.get("/portal/activity").get_data(as_text=True)
    assert "THEM-THEM-THEM-THEM" in html and "SECRET NOTE" in html
