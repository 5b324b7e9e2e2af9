"""The Report tab of a license manager: usage figures in SQL aggregates, charts and tables."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Device, License, LicenseManager, ManagerProduct, utcnow
from portal.services.license_managers import report as manager_report
from portal.tenancy import set_tenant
from tests.vendor.license_managers.support import BASE, bulk_devices, bulk_orders, is_fragment, staffed, text
from tests.vendor.license_managers.support import staff as staff_user


@pytest.fixture
def r(app, make, login, client):
    """A manager whose one order holds key, user, floating and unlimited licenses; another order not theirs."""
    w = staffed(make, login, client)
    vendor, order = w["vendor"], w["order"]
    floating = make.product(vendor, floating=True, name="Floaty")
    floating_policy = make.policy(
        floating, is_floating=True, floating_seats=4, max_activations=4, license_type="subscription"
    )
    unlimited_policy = make.policy(w["key_product"], max_activations=None)
    key_a = make.license(order, w["key_policy"])  # 3 activations
    make.license(order, w["key_policy"])  # never activated
    seats = make.license(order, w["user_policy"])  # 5 users
    float_lic = make.license(order, floating_policy)
    unlimited = make.license(order, unlimited_policy)
    activated = {}

    def device(lic, days_ago, **fields):
        activated[make.device(lic, **fields).hardware_id] = utcnow() - dt.timedelta(days=days_ago)

    device(key_a, 1)
    device(key_a, 20)
    device(unlimited, 100)  # before the 90 days
    device(float_lic, 1, floating_in_use=True)
    device(unlimited, 2, is_active=False, count=False)
    for _ in range(2):
        make.assignment(seats, make.license_user(vendor))
    not_theirs = make.order(vendor, reference="NOT-THEIRS")
    device(make.license(not_theirs, w["key_policy"]), 1)
    with app.app_context():
        set_tenant(db.session, vendor.id)
        # The ORM turns an explicit None into the column default (1): make it unlimited in SQL.
        db.session.execute(sa.update(License).where(License.id == unlimited.id).values(max_activations=None))
        for hardware_id, when in activated.items():
            db.session.execute(
                sa.update(Device).where(Device.hardware_id == hardware_id).values(first_activated_at=when)
            )
        db.session.execute(sa.update(ManagerProduct).values(issued=2, cap=5))
        db.session.get(LicenseManager, w["manager"].id).last_login_at = dt.datetime(2026, 3, 4, 5, 6)
        db.session.commit()
    w.update(floating=floating)
    return w


def _report(app, w) -> manager_report.ManagerReport:
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        return manager_report.build(db.session.get(LicenseManager, w["manager"].id))


def test_report_figures(app, r):
    report = _report(app, r)
    key, user = r["key_product"].name, r["user_product"].name
    assert dict((name, (used, total)) for name, used, total in report.seats_by_product) == {
        key: (3, None),  # 2 + 0 + 1 activations; one license without a limit
        user: (2, 5),
        "Floaty": (1, 4),
    }
    assert report.seats_by_product[0][0] == key  # most used first
    assert len(report.activations_by_week) == manager_report.WEEKS
    assert sum(n for _, n in report.activations_by_week) == 4  # days 1, 20, 1, 2 ago; not day 100
    assert report.activations_by_week[-1][1] == 3 and report.activations_by_week[-3][1] == 1
    assert report.activations_by_week[0][0] == report.since.strftime("%d %b")
    assert (utcnow().date() - report.since).days == 90
    assert report.by_status == [("Active", 4), ("Inactive", 1)]
    assert report.by_type == [("Perpetual", 4), ("Subscription", 1)]
    assert report.licenses == 5
    assert report.active_devices == 4
    assert (report.floating_in_use, report.floating_seats) == (1, 4)
    assert report.issued_vs_caps == [(key, 2, 5)]
    assert report.last_login_at == dt.datetime(2026, 3, 4, 5, 6)


def test_report_tab_shows_charts_with_the_numbers_in_tables(client, hx, r):
    url = f"{BASE}/{r['manager'].id}/report"
    fragment = client.get(url, headers=hx)
    assert fragment.status_code == 200 and is_fragment(fragment)
    html = fragment.get_data(as_text=True)
    assert html.count('<svg class="chart"') == 5 and html.count("<table") == 5
    body = text(fragment)
    for seen in (
        "Seats used of total, per product",
        "Devices first activated per product, since",
        "Licenses by status",
        "Licenses by type",
        "against their caps",
        "Floating seats in use now 1 of 4",
        "Active devices 4",
        "Licenses 5",
        "Last sign-in 04 Mar 2026",
        f"{r['user_product'].name} 2 5",
        "Unlimited",
        "Active 4",
        "Inactive 1",
        "Subscription 1",
        f"{r['key_product'].name} 2 5",
    ):
        assert seen in body, seen
    page = client.get(url)
    assert page.status_code == 200 and not is_fragment(page) and "<svg" in page.get_data(as_text=True)


def test_an_empty_report_reads_well(client, make, login):
    w = staffed(make, login, client, orders=[], products=[])
    body = text(client.get(f"{BASE}/{w['manager'].id}/report"))
    assert "Licenses 0" in body and "Nothing yet." in body and "No data yet" in body
    assert "Last sign-in Never" in body


def test_report_costs_the_same_at_5_and_100_licenses(app, make, login, count_queries, hx):
    counts = []
    for n in (5, 100):
        w = make.world()
        staff = staff_user(make, w["vendor"])
        manager = make.manager(w["vendor"], products=[w["key_product"], w["user_product"]], password=None)
        orders = bulk_orders(app, w["vendor"], manager, n // 5, licenses_each=5, policy=w["key_policy"])
        bulk_devices(app, [o * 10 for o in orders], w["vendor"], utcnow() - dt.timedelta(days=3))
        staff_client = login(staff, on=app.test_client())
        staff_client.get(f"{BASE}/{manager.id}/report", headers=hx)
        with count_queries() as q:
            assert staff_client.get(f"{BASE}/{manager.id}/report", headers=hx).status_code == 200
        counts.append(q.count)
        assert read_devices(app, w) == n // 5
    assert counts[0] == counts[1], counts


def read_devices(app, w) -> int:
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        return db.session.scalar(sa.select(sa.func.count(Device.id)))
