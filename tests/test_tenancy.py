"""Tenant isolation held once, in the ORM."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import License, LicenseManager, Order, OrderManager, Product, VendorAccount
from portal.tenancy import TenantNotSet, all_tenants, estimated_rows, plain_batches, set_tenant
from tests.conftest import BACKEND


@pytest.fixture
def two_vendors(make):
    a, b = make.vendor("Vendor A"), make.vendor("Vendor B")
    for vendor in (a, b):
        product = make.product(vendor)
        policy = make.policy(product)
        order = make.order(vendor)
        make.license(order, policy)
        make.manager(vendor, orders=[order])
    return a, b


def test_a_query_with_no_tenant_fails_loudly(app, two_vendors):
    with app.app_context():
        with pytest.raises(TenantNotSet):
            db.session.scalars(sa.select(Order)).all()
        with pytest.raises(TenantNotSet):
            db.session.execute(sa.update(License).values(note="x"))


def test_queries_see_only_their_vendor(app, two_vendors):
    a, b = two_vendors
    with app.app_context():
        set_tenant(db.session, a.id)
        assert {o.vendor_account_id for o in db.session.scalars(sa.select(Order))} == {a.id}
        # Joins and subqueries are scoped too.
        rows = db.session.execute(
            sa.select(License.id, Product.vendor_account_id).join(Product, Product.id == License.product_id)
        ).all()
        assert {vendor for _, vendor in rows} == {a.id}
        other = db.session.scalar(sa.select(Order.id).where(Order.vendor_account_id == b.id))
        assert other is None
        assert db.session.get(Order, db.session.scalar(sa.select(OrderManager.order_id).limit(1))) is not None


def plain_rows(statement, batch: int = 2) -> list:
    return [row for rows in plain_batches(db.session, statement, batch) for row in rows]


def test_plain_batches_are_scoped_like_every_orm_statement(app, two_vendors):
    """The export's fast path (plain tuples, batch by batch) keeps the same isolation, joins included."""
    a, b = two_vendors
    joined = sa.select(License.id, Product.vendor_account_id).join(Product, Product.id == License.product_id)
    with app.app_context():
        with pytest.raises(TenantNotSet):
            plain_rows(sa.select(Order.id))
        set_tenant(db.session, a.id)
        assert {vendor for _, vendor in plain_rows(joined)} == {a.id}
        assert plain_rows(joined, batch=1) == plain_rows(joined, batch=1000)  # every batch read
        assert plain_rows(sa.select(Order.id).where(Order.vendor_account_id == b.id)) == []
        with all_tenants(db.session):
            assert {vendor for _, vendor in plain_rows(joined)} == {a.id, b.id}


def test_estimates_are_scoped_like_every_orm_statement(app, two_vendors):
    """The planner's estimate (PostgreSQL: EXPLAIN of the select, nothing run) is asked of the tenant's
    rows only, and refused with no tenant, like the statement itself."""
    if BACKEND != "postgresql":
        pytest.skip("EXPLAIN (FORMAT JSON) is PostgreSQL's")
    a, _ = two_vendors
    sent: list[tuple[str, dict]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            with pytest.raises(TenantNotSet):
                estimated_rows(db.session, sa.select(Order.id))
            set_tenant(db.session, a.id)
            assert estimated_rows(db.session, sa.select(Order.id)) >= 1
            statement, parameters = sent[-1]
            assert statement.startswith("EXPLAIN (FORMAT JSON) SELECT") and a.id in parameters.values(), sent[-1]
            assert len(db.session.scalars(sa.select(Order.id)).all()) == 1  # the select itself runs as itself
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)


def test_updates_and_deletes_touch_only_their_vendor(app, two_vendors):
    a, b = two_vendors
    with app.app_context():
        set_tenant(db.session, a.id)
        db.session.execute(sa.update(License).values(note="changed"))
        db.session.commit()
    with app.app_context(), all_tenants(db.session):
        notes = dict(db.session.execute(sa.select(License.vendor_account_id, License.note)).all())
    assert notes == {a.id: "changed", b.id: ""}


def test_new_rows_are_stamped_with_the_tenant_and_cannot_name_another(app, two_vendors):
    a, b = two_vendors
    with app.app_context():
        set_tenant(db.session, a.id)
        product = Product(name="Stamped", code="stamped")
        db.session.add(product)
        db.session.flush()
        assert product.vendor_account_id == a.id
        db.session.add(Product(name="Smuggled", code="smuggled", vendor_account_id=b.id))
        with pytest.raises(TenantNotSet):
            db.session.flush()


def test_the_vendor_account_itself_is_not_tenant_owned(app, two_vendors):
    with app.app_context():
        assert len(db.session.scalars(sa.select(VendorAccount)).all()) == 2


def test_relationship_loads_stay_in_the_tenant(app, two_vendors):
    a, _ = two_vendors
    with app.app_context():
        set_tenant(db.session, a.id)
        manager = db.session.scalars(sa.select(LicenseManager)).one()
        orders = db.session.scalars(
            sa.select(Order).join(OrderManager).where(OrderManager.manager_id == manager.id)
        ).all()
        assert [o.vendor_account_id for o in orders] == [a.id]


def test_counts_and_subqueries_that_name_no_column_are_scoped_too(app, two_vendors):
    a, _ = two_vendors
    with app.app_context():
        set_tenant(db.session, a.id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
        inner = sa.select(Order.id).subquery()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(inner)) == 1
        set_tenant(db.session, None)
        with pytest.raises(TenantNotSet):
            db.session.scalar(sa.select(sa.func.count()).select_from(Order))
