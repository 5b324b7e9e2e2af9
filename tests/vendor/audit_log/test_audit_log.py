"""The vendor audit log: newest first, readable, filtered, keyset pages, one vendor only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent, utcnow
from portal.tenancy import all_tenants
from tests.vendor.license_managers.support import BASE, field_error, is_fragment, staffed, text

URL = "/vendor/audit"


@pytest.fixture
def w(make, login, client):
    return staffed(make, login, client)


def _events(app, vendor, n: int, start: dt.datetime, **fields) -> None:
    """n events of the vendor, one a minute from start, in one statement."""
    with app.app_context(), all_tenants(db.session):
        db.session.execute(
            sa.insert(AuditEvent.__table__),
            [
                dict(
                    vendor_account_id=vendor.id,
                    actor_type="staff",
                    actor_id=None,
                    actor_label=fields.get("actor_label", "bulk@vendor.test"),
                    action=fields.get("action", "order.updated"),
                    object_type=fields.get("object_type", "order"),
                    object_id=i,
                    object_label=fields.get("object_label", f"order BULK-{i:04d}"),
                    before=None,
                    after=None,
                    ip="",
                    created_at=start + dt.timedelta(minutes=i),
                )
                for i in range(n)
            ],
        )
        db.session.commit()


def _labels(response) -> list[str]:
    return re.findall(r"order BULK-(\d{4})", response.get_data(as_text=True))


def test_changes_made_on_the_detail_read_well_in_the_log(client, w):
    m = w["manager"]
    client.post(
        f"{BASE}/{m.id}/permissions",
        data={
            "permissions": ["issue_license", "reset_device"],
            "products": [str(w["key_product"].id)],
            f"cap-{w['key_product'].id}": "4",
            "policies": [str(w["key_policy"].id)],  # an allowed product needs one of its policies
        },
    )
    client.post(f"{BASE}/{m.id}/disable")
    page = client.get(URL)
    assert page.status_code == 200 and not is_fragment(page)
    body = text(page)
    # Newest first: the disable, then the permissions.
    assert body.index("Disabled a license manager") < body.index("Changed a manager's permissions")
    assert f"{w['staff'].email} Staff" in body and f"{m.license_user.email} License manager" in body
    assert "Status: active → disabled" in body
    assert "Permissions: added Reset device; removed Create order" in body
    assert f"Products: {w['key_product'].name} (no cap) → {w['key_product'].name} (cap 4)" in body
    assert "Policies:" not in body  # the allowed key product keeps its policy (one is required)
    assert "2 events" in body


def test_changes_formatting():
    found = audit.changes(
        {"status": "invited", "orders": ["A", "B"], "invited_at": None, "same": 1},
        {"status": "active", "orders": ["B", "C"], "invited_at": "2026-02-03T04:05:06", "same": 1},
    )
    assert [(c.label, c.before, c.after, c.added, c.removed) for c in found] == [
        ("Status", "invited", "active", [], []),
        ("Orders", None, None, ["C"], ["A"]),
        ("Invited at", "—", "03 Feb 2026 04:05 UTC", [], []),
    ]
    assert audit.changes(None, None) == []
    assert audit.action_label("license_manager.removed_from_all_orders") == "Took every order from a manager"


def test_the_log_shows_only_the_vendors_own_events(app, client, make, w):
    other = make.world()
    _events(app, other["vendor"], 3, utcnow(), object_label="order SECRET-1")
    _events(app, w["vendor"], 2, utcnow())
    body = text(client.get(URL))
    assert "SECRET" not in body and "2 events" in body


def test_filters_by_actor_object_and_dates_as_a_plain_get_form(app, client, w):
    start = dt.datetime(2026, 1, 10, 12, 0)
    _events(app, w["vendor"], 3, start, actor_label="ann@vendor.test")
    _events(
        app,
        w["vendor"],
        2,
        start + dt.timedelta(days=5),
        actor_label="bob@vendor.test",
        object_type="license_manager",
        object_label="lm@customer.test",
        action="license_manager.disabled",
    )
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert f'<form method="get" action="{URL}"' in html and 'hx-push-url="true"' in html
    assert "5 events" in text(page)

    def shown(**args):
        return text(client.get(URL, query_string=args))

    assert "3 events" in shown(actor="ANN@")
    assert "2 events" in shown(object_type="license_manager")
    assert "2 events" in shown(object="lm@customer")
    assert "0 events" not in shown(object="nothing-like-this") and "No event matches" in shown(object="zzz")
    assert "3 events" in shown(date_to="2026-01-10")
    assert "2 events" in shown(date_from="2026-01-15", date_to="2026-01-15")
    assert "2 events" in shown(actor="bob", object_type="license_manager", date_from="2026-01-01")
    # The user's own % is literal, not a wildcard.
    assert "No event matches" in shown(actor="%%%") and "No event matches" in shown(actor="a_n")
    # Under three characters the trigram index finds nothing: the field says so (422).
    response = client.get(URL, query_string={"actor": "%"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Type at least 3 characters." in html and 'aria-invalid="true"' in html


def test_filtering_with_htmx_swaps_only_the_results(client, hx, w, app):
    _events(app, w["vendor"], 2, utcnow())
    response = client.get(URL, query_string={"actor": "bulk"}, headers=hx)
    assert response.status_code == 200 and is_fragment(response)
    html = response.get_data(as_text=True)
    assert "<form" not in html and "audit-table" in html and "2 events" in text(response)
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "args,field,message",
    [
        ({"date_from": "2026-02-10", "date_to": "2026-02-01"}, "date_to", "before the start date"),
        ({"date_from": "yesterday"}, "date_from", "Not a valid date"),
        ({"object_type": "spaceship"}, "object_type", "Not a valid choice"),
        ({"actor": "x" * 300}, "actor", "longer than 254"),
    ],
)
def test_bad_filters_are_422_at_the_field(client, hx, w, args, field, message):
    page = client.get(URL, query_string=args)
    assert page.status_code == 422 and message in field_error(page, field)
    fragment = client.get(URL, query_string=args, headers=hx)
    assert fragment.status_code == 422 and message in field_error(fragment, field)
    assert fragment.headers["HX-Retarget"] == "#audit-body"


def test_keyset_pages_go_older_and_back_newer(app, client, hx, w):
    _events(app, w["vendor"], 120, dt.datetime(2026, 1, 1))
    first = client.get(URL)
    assert _labels(first)[:2] == ["0119", "0118"] and len(_labels(first)) == 50
    assert "120 events" in text(first) and "Newer" not in text(first)
    older = re.search(r'href="([^"]*after=[^"]*)"', first.get_data(as_text=True)).group(1)
    second = client.get(older.replace("&amp;", "&"))
    assert _labels(second)[0] == "0069" and len(_labels(second)) == 50
    third_url = re.search(r'href="([^"]*after=[^"]*)"', second.get_data(as_text=True)).group(1)
    third = client.get(third_url.replace("&amp;", "&"), headers=hx)
    assert is_fragment(third) and _labels(third)[0] == "0019" and len(_labels(third)) == 20
    assert "Older" not in text(third)
    newer = re.search(r'href="([^"]*before=[^"]*)"', third.get_data(as_text=True)).group(1)
    back = client.get(newer.replace("&amp;", "&"))
    assert _labels(back) == _labels(second)
    # A malformed cursor starts from the newest.
    assert _labels(client.get(URL, query_string={"after": "not-a-cursor"}))[0] == "0119"


def test_pages_keep_the_filters(app, client, w):
    _events(app, w["vendor"], 60, dt.datetime(2026, 1, 1), actor_label="ann@vendor.test")
    _events(app, w["vendor"], 5, dt.datetime(2026, 1, 1), actor_label="bob@vendor.test")
    first = client.get(URL, query_string={"actor": "ann"})
    older = re.search(r'href="([^"]*after=[^"]*)"', first.get_data(as_text=True)).group(1)
    assert "actor=ann" in older
    assert len(_labels(client.get(older.replace("&amp;", "&")))) == 10


def test_the_log_costs_the_same_at_10_and_300_events(app, client, hx, w, count_queries):
    counts = []
    for n in (10, 290):
        _events(app, w["vendor"], n, utcnow())
        client.get(URL, headers=hx)
        with count_queries() as q:
            assert client.get(URL, headers=hx).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_managers_and_strangers_cannot_read_the_log(app, w, login):
    assert app.test_client().get(URL).status_code == 302
    assert login(w["manager"], on=app.test_client()).get(URL).status_code == 403
