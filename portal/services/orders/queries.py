"""Reads of the End User Portal's orders: pages of them, their licenses and managers, choices."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope
from portal.extensions import db
from portal.lists import COUNT_CAP, Page, Sorts, contains, paginate
from portal.models import (
    Customer,
    License,
    LicenseManager,
    LicensePolicy,
    LicenseUser,
    ManagerPolicy,
    ManagerProduct,
    Order,
    OrderManager,
    Product,
)
from portal.scope import managed_order_ids

MANAGERS_SHOWN = 100
CUSTOMER_CHOICES = 500


_LICENSES_OF_ORDER = (
    sa.select(sa.func.count(License.id)).where(License.order_id == Order.id).correlate(Order).scalar_subquery()
)
ORDER_SORTS = Sorts(
    {
        "reference": (Order.reference, Order.id),
        "customer": (Customer.email, Order.id),
        "licenses": (_LICENSES_OF_ORDER, Order.id),
        "created": (Order.created_at, Order.id),
        "kind": (Order.is_bundle, Order.is_trial, Order.is_test, Order.id),
    },
    default="-created",
)
LICENSE_SORTS = Sorts(
    {
        "license": (License.license_key, License.id),
        "product": (Product.name, License.id),
        "policy": (LicensePolicy.name, License.id),
        "type": (License.license_type, License.id),
        "status": (License.status, License.id),
        "seats": (
            sa.case((License.max_license_users > 0, License.assigned_users), else_=License.times_activated),
            License.id,
        ),
        "valid_until": (License.valid_until, License.id),
        "created": (License.created_at, License.id),
    },
    default="-created",
)


def orders_page(manager_id: int, q: str, number: int, sort: str = ORDER_SORTS.default) -> Page:
    """A page of the orders a manager manages in this sort (newest first), optionally searched by reference."""
    # Unsearched and newest first, a large scope reads down its own orders (``scope.newest_assigned_orders``)
    # or, with customer accounts, the vendor's newest, testing each.
    probed = not q and sort == ORDER_SORTS.default and scope.is_large(manager_id)
    stmt = sa.select(Order).outerjoin(Customer, Customer.id == Order.customer_id)
    if probed and not scope.shape(manager_id).accounts:
        stmt = scope.newest_assigned_orders(stmt, manager_id)
    else:
        in_scope = scope.manages(manager_id, Order.id) if probed else Order.id.in_(managed_order_ids(manager_id))
        stmt = ORDER_SORTS.apply(stmt.where(in_scope), sort)
    if q:
        stmt = stmt.where(contains(Order.reference, q))
    args = ({"q": q} if q else {}) | ORDER_SORTS.args(sort)
    total = (lambda: scope.count_orders(manager_id, COUNT_CAP)) if probed else None
    return paginate(stmt, number, options=[so.contains_eager(Order.customer)], args=args, total=total)


def license_counts(order_ids: Sequence[int]) -> dict[int, int]:
    """How many licenses each of these orders holds, in one GROUP BY."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        sa.select(License.order_id, sa.func.count(License.id))
        .where(License.order_id.in_(order_ids))
        .group_by(License.order_id)
    )
    return {order_id: count for order_id, count in rows}


def licenses_page(order_id: int, number: int, sort: str = LICENSE_SORTS.default) -> Page:
    """A page of the order's licenses in this sort (newest first), with product and policy."""
    stmt = (
        sa.select(License)
        .join(Product, Product.id == License.product_id)
        .outerjoin(LicensePolicy, LicensePolicy.id == License.policy_id)
        .where(License.order_id == order_id)
    )
    return paginate(
        LICENSE_SORTS.apply(stmt, sort),
        number,
        options=[so.contains_eager(License.product), so.contains_eager(License.policy)],
        args=LICENSE_SORTS.args(sort),
    )


def my_customers(manager: LicenseManager) -> sa.ColumnElement[bool]:
    """Customers of the manager's orders, or of the manager's organisation."""
    of_orders = sa.select(Order.customer_id).where(Order.id.in_(managed_order_ids(manager.id)))
    mine: sa.ColumnElement[bool] = Customer.id.in_(of_orders)
    if manager.customer_account_id is not None:
        mine = sa.or_(mine, Customer.customer_account_id == manager.customer_account_id)
    return mine


def customer_choices(manager: LicenseManager) -> list[Customer]:
    """Customers a manager may put on a new order (at most CUSTOMER_CHOICES), by email."""
    return list(
        db.session.scalars(
            sa.select(Customer).where(my_customers(manager)).order_by(Customer.email).limit(CUSTOMER_CHOICES)
        )
    )


def order_managers(order_id: int) -> list[LicenseManager]:
    """The managers of an order (at most MANAGERS_SHOWN), by email."""
    return list(
        db.session.scalars(
            sa.select(LicenseManager)
            .join(OrderManager, OrderManager.manager_id == LicenseManager.id)
            .join(LicenseManager.license_user)
            .where(OrderManager.order_id == order_id)
            .options(so.contains_eager(LicenseManager.license_user))
            .order_by(LicenseUser.email)
            .limit(MANAGERS_SHOWN)
        )
    )


def find_order_manager(order_id: int, manager_id: int) -> LicenseManager | None:
    """One manager of the order, or None."""
    return db.session.scalar(
        sa.select(LicenseManager)
        .join(OrderManager, OrderManager.manager_id == LicenseManager.id)
        .where(OrderManager.order_id == order_id, LicenseManager.id == manager_id)
        .options(so.joinedload(LicenseManager.license_user))
    )


def allowed_products(manager_id: int) -> list[sa.Row]:
    """The products a manager may issue, with their cap and how many were issued."""
    return list(
        db.session.execute(
            sa.select(Product, ManagerProduct.cap, ManagerProduct.issued)
            .join(ManagerProduct, ManagerProduct.product_id == Product.id)
            .where(ManagerProduct.manager_id == manager_id)
            .order_by(Product.name)
        )
    )


def allowed_policies(manager_id: int) -> list[LicensePolicy]:
    """The policies a manager may issue from, of products they may issue."""
    return list(
        db.session.scalars(
            sa.select(LicensePolicy)
            .join(ManagerPolicy, ManagerPolicy.policy_id == LicensePolicy.id)
            .join(
                ManagerProduct,
                sa.and_(ManagerProduct.product_id == LicensePolicy.product_id, ManagerProduct.manager_id == manager_id),
            )
            .where(ManagerPolicy.manager_id == manager_id)
            .order_by(LicensePolicy.name)
        )
    )


NEW_KEY_COLUMNS = ["license_key", "product", "policy", "type", "valid_until", "order", "license_id"]


def new_keys(order_id: int, license_ids: Sequence[int]) -> list[sa.Row]:
    """The keys of these licenses of the order (those just issued), for their CSV."""
    return list(
        db.session.execute(
            sa.select(
                License.license_key,
                Product.name,
                LicensePolicy.name,
                License.license_type,
                License.valid_until,
                Order.reference,
                License.id,
            )
            .join(Product, Product.id == License.product_id)
            .join(Order, Order.id == License.order_id)
            .outerjoin(LicensePolicy, LicensePolicy.id == License.policy_id)
            .where(License.order_id == order_id, License.id.in_(license_ids), License.license_key.is_not(None))
            .order_by(License.id)
        )
    )
