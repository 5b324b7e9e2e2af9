"""Sorting the users, user groups, activity and floating seats lists by their columns."""

from __future__ import annotations

import re

from portal.models import AuditEvent, Device, utcnow
from tests.end_user.licenses.support import scene
from tests.end_user.orders.support import update


def test_users_sort_by_email_name_and_licenses(client, make, login):
    w = scene(make)
    seat = make.license(w["order"], w["seat_policy"], license_key=None)
    busy = make.license_user(w["vendor"], email="zed@globex.test", account=w["account"])
    calm = make.license_user(w["vendor"], email="amy@globex.test", account=w["account"])
    make.assignment(seat, busy)
    make.assignment(make.license(w["order"], w["seat_policy"], license_key=None), busy)
    make.assignment(seat, calm)
    login(w["manager"])

    def emails(url):
        html = client.get(url).get_data(as_text=True)
        return [
            e for e in re.findall(r'<a href="/portal/users/\d+">([^<]+)</a>', html) if e in (busy.email, calm.email)
        ]

    assert emails("/portal/users") == ["amy@globex.test", "zed@globex.test"]
    assert emails("/portal/users?sort=-email") == ["zed@globex.test", "amy@globex.test"]
    assert emails("/portal/users?sort=-licenses") == ["zed@globex.test", "amy@globex.test"]
    assert emails("/portal/users?sort=nonsense") == ["amy@globex.test", "zed@globex.test"]


def test_user_groups_sort_by_members(client, make, login):
    w = scene(make, permissions=("manage_user_groups",))
    people = [make.license_user(w["vendor"], account=w["account"]) for _ in range(3)]
    make.user_group(w["vendor"], name="Alpha", managers=[w["manager"]], members=people[:2])
    make.user_group(w["vendor"], name="Beta", managers=[w["manager"]], members=people[2:])
    login(w["manager"])

    def names(url):
        return re.findall(r'<a href="/portal/user-groups/\d+">([^<]+)</a>', client.get(url).get_data(as_text=True))

    assert names("/portal/user-groups") == ["Alpha", "Beta"]
    assert names("/portal/user-groups?sort=-name") == ["Beta", "Alpha"]
    assert names("/portal/user-groups?sort=members") == ["Beta", "Alpha"]


def test_activity_sorts_by_who_and_oldest_first(app, client, make, login):
    w = scene(make)
    login(w["manager"])
    for label in ("zoe@vendor.test", "abe@vendor.test"):
        make._save(
            w["vendor"].id,
            AuditEvent(
                vendor_account_id=w["vendor"].id,
                actor_type="staff",
                actor_label=label,
                action="order.created",
                object_type="order",
                object_id=w["order"].id,
                object_label=f"order {w['order'].reference}",
            ),
        )
    html = client.get("/portal/activity?sort=who").get_data(as_text=True)
    assert html.index("abe@vendor.test") < html.index("zoe@vendor.test")
    html = client.get("/portal/activity?sort=-who").get_data(as_text=True)
    assert html.index("zoe@vendor.test") < html.index("abe@vendor.test")
    newest = client.get("/portal/activity").get_data(as_text=True)
    oldest = client.get("/portal/activity?sort=when").get_data(as_text=True)
    assert newest.index("abe@vendor.test") < newest.index("zoe@vendor.test")
    assert oldest.index("zoe@vendor.test") < oldest.index("abe@vendor.test")
    assert 'aria-sort="ascending"' in oldest


def test_floating_seats_sort_by_host(app, client, make, login):
    w = scene(make)
    lic = make.license(w["order"], w["floating_policy"])
    now = utcnow()
    for host in ("zulu-host", "alpha-host"):
        update(app, Device, make.device(lic, hostname=host).id, floating_in_use=True, floating_since=now)
    login(w["manager"])
    html = client.get("/portal/floating?sort=host").get_data(as_text=True)
    assert html.index("alpha-host") < html.index("zulu-host")
    html = client.get("/portal/floating?sort=-host").get_data(as_text=True)
    assert html.index("zulu-host") < html.index("alpha-host")
    assert client.get("/portal/floating?sort=drop").status_code == 200
