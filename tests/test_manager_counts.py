"""Each manager's orders and licenses, kept on their row by the database (``portal.manager_counts``):
whatever writes links and licenses, and in whichever order a cascade removes them, the kept counts
are what counting the rows gives (``RECOUNT``). And each vendor's managers (``portal.account_counts``)."""

from __future__ import annotations

import sqlalchemy as sa

from portal import account_counts, manager_counts
from portal.extensions import db
from portal.models import License, LicenseManager, LicenseUser, Order, OrderManager, VendorAccount
from portal.tenancy import all_tenants


def kept(app) -> dict[int, tuple[int, int]]:
    with app.app_context(), all_tenants(db.session):
        rows = db.session.execute(
            sa.select(LicenseManager.id, LicenseManager.order_count, LicenseManager.license_count)
        )
        return {manager_id: (orders, licenses) for manager_id, orders, licenses in rows}


def counted(app) -> dict[int, tuple[int, int]]:
    """The counts as the rows give them: the kept ones recounted, read, then put back as they were."""
    with app.app_context(), all_tenants(db.session):
        db.session.execute(sa.text(manager_counts.RECOUNT))
        rows = db.session.execute(
            sa.select(LicenseManager.id, LicenseManager.order_count, LicenseManager.license_count)
        )
        found = {manager_id: (orders, licenses) for manager_id, orders, licenses in rows}
        db.session.rollback()
        return found


def run(app, *statements) -> None:
    with app.app_context(), all_tenants(db.session):
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()


def test_links_and_licenses_are_counted_as_they_are_written(app, make):
    w = make.world()
    ada, bo = make.manager(w["vendor"], orders=[w["order"]]), make.manager(w["vendor"])
    assert kept(app)[ada.id] == (1, 0) and kept(app)[bo.id] == (0, 0)
    for _ in range(3):
        make.license(w["order"], w["key_policy"])
    assert kept(app)[ada.id] == (1, 3)
    # A link to an order that has licenses brings them along; a second order adds its own.
    make.assign(bo, w["order"])
    other = make.order(w["vendor"], w["customer"], managers=[bo])
    make.license(other, w["key_policy"])
    assert kept(app)[ada.id] == (1, 3) and kept(app)[bo.id] == (2, 4)
    assert kept(app) == counted(app)


def test_removals_and_moves_take_away_what_they_brought(app, make):
    w = make.world()
    first, second = w["order"], make.order(w["vendor"], w["customer"])
    ada = make.manager(w["vendor"], orders=[first, second])
    bo = make.manager(w["vendor"], orders=[first])
    licenses = [make.license(first, w["key_policy"]) for _ in range(4)] + [make.license(second, w["key_policy"])]
    assert kept(app)[ada.id] == (2, 5) and kept(app)[bo.id] == (1, 4)

    run(app, sa.delete(License).where(License.id == licenses[0].id))  # one license gone
    assert kept(app)[ada.id] == (2, 4) and kept(app)[bo.id] == (1, 3)
    # A license moved to the other order: bo no longer sees it, ada sees it still.
    run(app, sa.update(License).where(License.id == licenses[1].id).values(order_id=second.id))
    assert kept(app)[ada.id] == (2, 4) and kept(app)[bo.id] == (1, 2)
    # An update that moves nothing changes nothing.
    run(app, sa.update(License).where(License.order_id == first.id).values(note="checked"))
    assert kept(app)[bo.id] == (1, 2)
    run(app, sa.delete(OrderManager).where(OrderManager.manager_id == ada.id, OrderManager.order_id == second.id))
    assert kept(app)[ada.id] == (1, 2)
    assert kept(app) == counted(app)


def test_a_deleted_order_takes_its_links_and_licenses_with_it(app, make):
    """The cascade removes the order's links and its licenses in some order: each license is taken
    away once, by whichever of the two goes first."""
    w = make.world()
    gone, stays = w["order"], make.order(w["vendor"], w["customer"])
    ada = make.manager(w["vendor"], orders=[gone, stays])
    for _ in range(3):
        make.license(gone, w["key_policy"])
    make.license(stays, w["key_policy"])
    assert kept(app)[ada.id] == (2, 4)
    run(app, sa.delete(Order).where(Order.id == gone.id))
    assert kept(app)[ada.id] == (1, 1)
    assert kept(app) == counted(app)


def test_a_deleted_manager_leaves_the_others_counts_alone(app, make):
    w = make.world()
    ada, bo = make.manager(w["vendor"], orders=[w["order"]]), make.manager(w["vendor"], orders=[w["order"]])
    make.license(w["order"], w["key_policy"])
    run(app, sa.delete(LicenseManager).where(LicenseManager.id == ada.id))
    assert kept(app) == {bo.id: (1, 1)} == counted(app)


def test_many_licenses_in_one_statement_are_counted_once_each(app, make):
    w = make.world()
    ada = make.manager(w["vendor"], orders=[w["order"]])
    model = make.license(w["order"], w["key_policy"])
    with app.app_context(), all_tenants(db.session):
        source = db.session.get(License, model.id)
        columns = {c.key: getattr(source, c.key) for c in sa.inspect(License).column_attrs if c.key != "id"}
    rows = [{**columns, "license_key": f"BULK-{n:04d}"} for n in range(250)]
    with app.app_context(), all_tenants(db.session):
        db.session.execute(sa.insert(License), rows)
        db.session.commit()
    assert kept(app)[ada.id] == (1, 251) == counted(app)[ada.id]


def managers_of_accounts(app, recount: bool = False) -> dict[int, int]:
    with app.app_context(), all_tenants(db.session):
        if recount:
            db.session.execute(sa.text(account_counts.RECOUNT))
        found = dict(db.session.execute(sa.select(VendorAccount.id, VendorAccount.manager_count)).all())
        db.session.rollback()
        return found


def test_each_vendor_accounts_managers_are_counted_as_they_come_and_go(app, make):
    acme, globex = make.vendor(), make.vendor()
    ada = make.manager(acme)
    make.manager(acme)
    make.manager(globex)
    assert managers_of_accounts(app) == {acme.id: 2, globex.id: 1}
    # Many in one statement (a bulk insert), then some deleted, and one whose user is deleted (a cascade).
    users = [make.license_user(globex) for _ in range(30)]
    with app.app_context(), all_tenants(db.session):
        now = ada.created_at
        many = [
            dict(vendor_account_id=globex.id, license_user_id=u.id, status="invited", created_at=now) for u in users
        ]
        db.session.execute(sa.insert(LicenseManager), many)
        db.session.commit()
    assert managers_of_accounts(app) == {acme.id: 2, globex.id: 31}
    run(
        app,
        sa.delete(LicenseManager).where(
            LicenseManager.vendor_account_id == globex.id, LicenseManager.status == "invited"
        ),
    )
    run(app, sa.delete(LicenseUser).where(LicenseUser.id == ada.license_user_id))
    assert managers_of_accounts(app) == {acme.id: 1, globex.id: 1} == managers_of_accounts(app, recount=True)
