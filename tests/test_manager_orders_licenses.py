"""Each manager's assigned orders and the licenses under them, kept as rows by the database
(``portal.manager_orders``, ``portal.manager_licenses``): whatever writes links, orders and licenses, and in
whichever order a cascade removes them, the rows are the pairs that joining the links to the orders and
licenses gives, each with its order's or license's own time."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import manager_licenses, manager_orders
from portal.extensions import db
from portal.models import License, LicenseManager, ManagerLicense, ManagerOrder, Order, OrderManager
from portal.tenancy import all_tenants
from tests.test_manager_counts import run


def kept(app) -> set[tuple[int, int, dt.datetime, int]]:
    with app.app_context(), all_tenants(db.session):
        rows = db.session.execute(
            sa.select(
                ManagerLicense.manager_id,
                ManagerLicense.license_id,
                ManagerLicense.created_at,
                ManagerLicense.vendor_account_id,
            )
        )
        return {tuple(row) for row in rows}


def joined(app) -> set[tuple[int, int, dt.datetime, int]]:
    """The pairs as the links and licenses give them."""
    with app.app_context(), all_tenants(db.session):
        rows = db.session.execute(
            sa.select(OrderManager.manager_id, License.id, License.created_at, License.vendor_account_id).join(
                License, License.order_id == OrderManager.order_id
            )
        )
        return {tuple(row) for row in rows}


def kept_orders(app) -> set[tuple[int, int, dt.datetime, int]]:
    with app.app_context(), all_tenants(db.session):
        rows = db.session.execute(
            sa.select(
                ManagerOrder.manager_id, ManagerOrder.order_id, ManagerOrder.created_at, ManagerOrder.vendor_account_id
            )
        )
        return {tuple(row) for row in rows}


def joined_orders(app) -> set[tuple[int, int, dt.datetime, int]]:
    with app.app_context(), all_tenants(db.session):
        rows = db.session.execute(
            sa.select(OrderManager.manager_id, Order.id, Order.created_at, Order.vendor_account_id).join(
                Order, Order.id == OrderManager.order_id
            )
        )
        return {tuple(row) for row in rows}


def in_step(app) -> bool:
    return kept(app) == joined(app) and kept_orders(app) == joined_orders(app)


def test_links_and_licenses_bring_their_pairs_as_they_are_written(app, make):
    w = make.world()
    ada, bo = make.manager(w["vendor"], orders=[w["order"]]), make.manager(w["vendor"])
    licenses = [make.license(w["order"], w["key_policy"]) for _ in range(3)]
    assert {(m, lic) for m, lic, *_ in kept(app)} == {(ada.id, lic.id) for lic in licenses}
    make.assign(bo, w["order"])  # a link to an order that has licenses brings them along
    other = make.order(w["vendor"], w["customer"], managers=[bo])
    make.license(other, w["key_policy"])
    assert len(kept(app)) == 7 and len(kept_orders(app)) == 3 and in_step(app)


def test_removals_moves_and_cascades_take_away_what_they_brought(app, make):
    w = make.world()
    first, second = w["order"], make.order(w["vendor"], w["customer"])
    ada = make.manager(w["vendor"], orders=[first, second])
    bo = make.manager(w["vendor"], orders=[first])
    licenses = [make.license(first, w["key_policy"]) for _ in range(4)] + [make.license(second, w["key_policy"])]
    assert len(kept(app)) == 9 == len(joined(app))
    run(app, sa.delete(License).where(License.id == licenses[0].id))  # a license gone (its key's cascade)
    run(app, sa.update(License).where(License.id == licenses[1].id).values(order_id=second.id))  # moved: bo loses it
    later = dt.datetime(2030, 1, 2, 3, 4, 5)
    run(app, sa.update(License).where(License.id == licenses[2].id).values(created_at=later))  # its time follows
    run(app, sa.update(License).where(License.order_id == first.id).values(note="checked"))  # nothing moves
    run(app, sa.delete(OrderManager).where(OrderManager.manager_id == ada.id, OrderManager.order_id == second.id))
    run(app, sa.update(Order).where(Order.id == first.id).values(created_at=later))  # an order's time follows
    assert in_step(app) and (bo.id, licenses[2].id, later, w["vendor"].id) in kept(app)
    assert (bo.id, first.id, later, w["vendor"].id) in kept_orders(app)
    cy = make.manager(w["vendor"])
    run(app, sa.update(OrderManager).where(OrderManager.manager_id == bo.id).values(manager_id=cy.id))  # moved
    assert in_step(app) and bo.id not in {m for m, *_ in kept_orders(app)} and cy.id in {m for m, *_ in kept(app)}
    run(app, sa.delete(Order).where(Order.id == first.id))  # links and licenses go in some order
    run(app, sa.delete(LicenseManager).where(LicenseManager.id.in_([ada.id, cy.id])))
    assert in_step(app) and not kept_orders(app)


def test_many_licenses_in_one_statement_and_the_fill_agree(app, make):
    w = make.world()
    ada = make.manager(w["vendor"], orders=[w["order"]])
    model = make.license(w["order"], w["key_policy"])
    with app.app_context(), all_tenants(db.session):
        source = db.session.get(License, model.id)
        columns = {c.key: getattr(source, c.key) for c in sa.inspect(License).column_attrs if c.key != "id"}
        db.session.execute(sa.insert(License), [{**columns, "license_key": f"BULK-{n:04d}"} for n in range(250)])
        db.session.commit()
    assert len(kept(app)) == 251 and kept(app) == joined(app)
    # The fill adds the pairs missing (after a bulk load without triggers) and leaves those there alone.
    run(
        app,
        sa.delete(ManagerLicense).where(ManagerLicense.license_id == model.id),
        sa.delete(ManagerOrder),
        sa.text(manager_licenses.FILL),
        sa.text(manager_orders.FILL),
    )
    assert in_step(app) and kept_orders(app)
    assert ada.id in {m for m, *_ in kept(app)}
