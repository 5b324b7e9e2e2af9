"""The dashboard: my orders, seats per product, expiring licenses, floating seats, activity."""

from __future__ import annotations

import datetime as dt
import re

from portal.models import AuditEvent, License, utcnow
from tests.end_user.orders.support import issuing_world, update


def _dashboard_world(app, make):
    w = issuing_world(make, permissions=["create_order"])
    now = utcnow()
    key = make.license(w["order"], w["key_policy"])  # 3 activations allowed
    make.device(key), make.device(key)
    seats = make.license(w["order"], w["user_policy"])  # 5 users allowed
    for _ in range(2):
        make.assignment(seats, make.license_user(w["vendor"]))
    floating_product = make.product(w["vendor"], floating=True)
    floating_policy = make.policy(floating_product, is_floating=True, floating_seats=3, max_activations=5)
    floater = make.license(w["order"], floating_policy)
    make.device(floater, floating_in_use=True), make.device(floater, floating_in_use=True)
    soon = make.license(w["order"], w["key_policy"], license_key="SOON-SOON-SOON-SOON")
    update(app, License, soon.id, valid_until=now + dt.timedelta(days=10))
    later = make.license(w["order"], w["key_policy"], license_key="LATE-LATE-LATE-LATE")
    update(app, License, later.id, valid_until=now + dt.timedelta(days=40))
    off = make.license(w["order"], w["key_policy"], license_key="OFFX-OFFX-OFFX-OFFX", status="disabled")
    update(app, License, off.id, valid_until=now + dt.timedelta(days=5))
    # Another customer's order: nothing of it may show.
    stranger_account = make.customer_account(w["vendor"])
    theirs = make.order(
        w["vendor"], reference="THEIRS-1", managers=[make.manager(w["vendor"], account=stranger_account, password=None)]
    )
    their_license = make.license(theirs, w["key_policy"], license_key="THEM-THEM-THEM-THEM")
    update(app, License, their_license.id, valid_until=now + dt.timedelta(days=3))
    make.device(their_license)
    w["theirs"] = theirs
    return w, stranger_account


def _event(make, w, action, account=None, actor_id=None, label="x", object_id=None):
    make._save(
        w["vendor"].id,
        AuditEvent(
            vendor_account_id=w["vendor"].id,
            actor_type="manager" if actor_id else "staff",
            actor_id=actor_id,
            actor_label="someone@test",
            action=action,
            object_type="order",
            object_id=object_id,
            object_label=label,
            customer_account_id=account.id if account else None,
        ),
    )


def test_dashboard_shows_my_figures_only(app, client, make, login):
    w, stranger_account = _dashboard_world(app, make)
    _event(make, w, "order.created", account=w["account"], label="order OURS-1", object_id=w["order"].id)
    _event(make, w, "order.created", account=stranger_account, label="order THEIRS-1", object_id=w["theirs"].id)
    login(w["manager"])
    html = client.get("/portal/").get_data(as_text=True)
    stat = dict(re.findall(r'<h2 id="stat-(\w+)" class="eyebrow">.*?</h2>\s*<p class="stat">(\d+)', html, re.S))
    assert stat == {"orders": "1", "expiring": "1", "floating": "2"}
    assert "of 3</span>" in html  # floating seats in use of all floating seats
    assert "SOON-SOON-SOON-SOON" in html
    assert "LATE-LATE" not in html and "OFFX-OFFX" not in html and "THEM-THEM" not in html
    assert w["order"].reference in html and "THEIRS-1" not in html
    assert "order OURS-1" in html and "order THEIRS-1" not in html
    seats = dict(re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td class=\"num\">(\d+)</td>", html))
    # key product: 2 devices on the 3-seat license, none on SOON/LATE; user product: 2 of 5 users.
    assert seats[w["key_product"].name] == "2" and seats[w["user_product"].name] == "2"
    assert "2 of 5" in html and "<svg" in html
    assert 'href="/portal/activity"' in html and 'href="/portal/floating"' in html


def test_dashboard_activity_includes_the_managers_own_events(client, make, login):
    w = issuing_world(make)
    lonely = make.manager(w["vendor"], orders=[w["order"]], password=None)  # no customer account
    _event(make, w, "license.reset", actor_id=lonely.id, label="license MINE")
    _event(make, w, "license.reset", account=w["account"], label="license ORG")
    login(lonely)
    html = client.get("/portal/").get_data(as_text=True)
    assert "license MINE" in html and "license ORG" not in html


def test_dashboard_queries_do_not_grow_with_rows(client, make, login, count_queries):
    w = issuing_world(make)
    login(w["manager"])
    counts = []
    for n in (5, 60):
        for _ in range(n):
            order = make.order(w["vendor"], managers=[w["manager"]])
            make.device(make.license(order, w["key_policy"]))
        with count_queries() as q:
            assert client.get("/portal/").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]
