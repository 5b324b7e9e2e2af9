"""A manager scoped to customer accounts manages every order of their customers, and nothing else.

Scoped to two accounts (A, B) the manager sees both accounts' orders, licenses, devices and
license users in every list and at every id; scoped to one (A) only A's, with B's ids 404 like
a third account's (C) and another vendor's. Their own customer account brings no orders.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import ManagerCustomerAccount
from portal.tenancy import set_tenant


def _scope(app, manager, accounts) -> None:
    with app.app_context():
        set_tenant(db.session, manager.vendor_account_id)
        db.session.add_all(ManagerCustomerAccount(manager_id=manager.id, customer_account_id=a.id) for a in accounts)
        db.session.commit()


def _account_with_an_order(make, world, name):
    vendor = world["vendor"]
    account = make.customer_account(vendor, name=name)
    order = make.order(vendor, customer=make.customer(vendor, account), reference=f"ORD-{name}")
    key_license = make.license(order, world["key_policy"])
    device = make.device(key_license, hostname=f"host-{name.lower()}")
    user = make.license_user(vendor, email=f"user@{name.lower()}.test", account=account)
    seat = make.license(order, world["user_policy"])
    make.assignment(seat, user)
    return {"account": account, "order": order, "license": key_license, "device": device, "user": user}


@pytest.fixture
def scoped(app, make):
    world = make.world()
    a, b, c = (_account_with_an_order(make, world, n) for n in ("Alpha", "Beta", "Gamma"))
    other = make.world()
    foreign = _account_with_an_order(make, other, "Foreign")
    two = make.manager(world["vendor"], email="two@scope.test", permissions="all")
    one = make.manager(world["vendor"], email="one@scope.test", permissions="all", account=c["account"])
    _scope(app, two, [a["account"], b["account"]])
    _scope(app, one, [a["account"]])
    return {"A": a, "B": b, "C": c, "foreign": foreign, "two": two, "one": one, "vendor": world["vendor"]}


LISTS = ["/portal/orders", "/portal/licenses", "/portal/users", "/portal/"]


def _lists(client) -> str:
    return "".join(client.get(path).get_data(as_text=True) for path in LISTS)


def _loaders(objects) -> list[str]:
    return [
        f"/portal/orders/{objects['order'].id}",
        f"/portal/licenses/{objects['license'].id}",
        f"/portal/users/{objects['user'].id}",
        f"/portal/devices/{objects['device'].id}/reset",
    ]


def test_scoped_to_two_accounts_sees_both_and_nothing_else(client, login, scoped):
    login(scoped["two"])
    pages = _lists(client)
    for name in ("A", "B"):
        assert f"ORD-{scoped[name]['account'].name}" in pages
    for name in ("C", "foreign"):
        assert f"ORD-{scoped[name]['account'].name}" not in pages
    assert "user@alpha.test" in pages and "user@beta.test" in pages
    assert "user@gamma.test" not in pages and "user@foreign.test" not in pages
    for name in ("A", "B"):
        for path in _loaders(scoped[name]):
            assert client.get(path).status_code == 200, path
    for name in ("C", "foreign"):
        for path in _loaders(scoped[name]):
            assert client.get(path).status_code == 404, path


def test_scoped_to_one_account_sees_only_it(client, login, scoped):
    login(scoped["one"])
    pages = _lists(client)
    assert "ORD-Alpha" in pages and "ORD-Beta" not in pages
    # Their own account (Gamma) brings its license users, never its orders.
    assert "ORD-Gamma" not in pages and "user@gamma.test" in client.get("/portal/users").get_data(as_text=True)
    for path in _loaders(scoped["A"]):
        assert client.get(path).status_code == 200, path
    for name in ("B", "foreign"):
        for path in _loaders(scoped[name]):
            assert client.get(path).status_code == 404, path
    for path in _loaders(scoped["C"])[:2] + _loaders(scoped["C"])[3:]:
        assert client.get(path).status_code == 404, path


def test_writes_reach_the_scoped_orders_only(app, client, login, scoped):
    login(scoped["one"])
    mine = client.post(f"/portal/devices/{scoped['A']['device'].id}/reset")
    assert mine.status_code in (200, 303)
    theirs = client.post(f"/portal/devices/{scoped['B']['device'].id}/reset")
    assert theirs.status_code == 404


def test_the_vendor_sets_the_scope_and_the_portal_follows(app, client, make, login, scoped):
    staff = make.staff(_vendor(app, scoped["one"]))
    login(staff)
    url = f"/vendor/license-managers/{scoped['one'].id}/scope"
    assert client.post(url, data={"accounts": [scoped["B"]["account"].id]}).status_code == 303
    portal = app.test_client()
    login(scoped["one"], on=portal)
    pages = _lists(portal)
    assert "ORD-Beta" in pages and "ORD-Alpha" not in pages
    assert portal.get(f"/portal/orders/{scoped['A']['order'].id}").status_code == 404


def _vendor(app, manager):
    from portal.models import VendorAccount

    with app.app_context():
        return db.session.get(VendorAccount, manager.vendor_account_id)


def test_the_account_scoped_orders_are_found_by_index_not_by_reading_every_order(app):
    """Each hop (accounts → customers → orders) is an index look-up under the tenant's criterion.

    Written as a join, the planners (given Scale Co's statistics) read every order of the vendor to
    test its customer: ~7 ms a statement at 100,000 managers, on every End User Portal list, for
    managers with no scoped account at all.
    """
    import sqlalchemy as sa

    from portal import scope
    from portal.cli import analyze_database
    from portal.models import License, LicenseManager, VendorAccount
    from portal.seed import scale
    from portal.tenancy import all_tenants
    from tests.conftest import BACKEND
    from tests.vendor.license_managers.test_search import plan

    with app.app_context():
        scale.load(2000)
        analyze_database()
        with all_tenants(db.session):
            vendor = db.session.scalar(sa.select(VendorAccount.id).where(VendorAccount.name == "Scale Co"))
            manager = db.session.scalar(sa.select(LicenseManager.id).order_by(LicenseManager.id.desc()).limit(1))
        set_tenant(db.session, vendor)
        seen: list[tuple[str, object]] = []

        def listener(conn, cursor, statement, parameters, context, many):
            seen.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.scalars(
                sa.select(License.id).where(License.order_id.in_(scope.managed_order_ids(manager)))
            ).all()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
        shown = plan(*seen[-1])
    if BACKEND == "postgresql":
        assert 'Seq Scan on "order"' not in shown and "Seq Scan on customer" not in shown, shown
    else:
        # Both columns of each index serve: the vendor's alone would read every order (or customer) of it.
        assert "ix_order_vendor_customer (vendor_account_id=? AND customer_id=?)" in shown, shown
        assert "ix_customer_vendor_customer_account (vendor_account_id=? AND customer_account_id=?)" in shown, shown
