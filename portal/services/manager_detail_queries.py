"""Read one license manager's tabs: scope, orders, licenses and user groups, a page at a time.

Every list is a bounded page (a capped count, deep pages stop at the cap) and every count
beside a row is one SQL GROUP BY over the page's rows, so a tab costs the same few queries
whether the manager has five orders or a hundred thousand licenses.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.lists import Page, contains, paginate
from portal.models import (
    Customer,
    License,
    LicenseManager,
    LicensePolicy,
    ManagerPolicy,
    ManagerProduct,
    Order,
    OrderManager,
    Product,
    UserGroup,
    UserGroupManager,
    UserGroupMember,
)
from portal.scope import managed_order_ids

SEARCH_LIMIT = 20


# Permissions tab


@dataclass
class Scope:
    """What a manager may issue, next to everything the account offers."""

    products: list[Product]
    policies_by_product: dict[int, list[LicensePolicy]]
    allowed: dict[int, ManagerProduct]
    allowed_policy_ids: set[int]


def scope_product_ids() -> list[int]:
    """The ids of the account's products: one cap field each on the permissions form."""
    return list(db.session.scalars(sa.select(Product.id)))


def scope(manager: LicenseManager) -> Scope:
    """The account's products and policies with the manager's caps, issued counts and choices."""
    products = db.session.scalars(sa.select(Product).order_by(Product.name)).all()
    policies = db.session.scalars(sa.select(LicensePolicy).order_by(LicensePolicy.product_id, LicensePolicy.name)).all()
    by_product: dict[int, list[LicensePolicy]] = {}
    for policy in policies:
        by_product.setdefault(policy.product_id, []).append(policy)
    allowed = {
        row.product_id: row
        for row in db.session.scalars(sa.select(ManagerProduct).where(ManagerProduct.manager_id == manager.id))
    }
    allowed_policies = set(
        db.session.scalars(sa.select(ManagerPolicy.policy_id).where(ManagerPolicy.manager_id == manager.id))
    )
    return Scope(list(products), by_product, allowed, allowed_policies)


# Orders tab


def orders_page(manager: LicenseManager, number: int) -> tuple[Page, dict[int, int]]:
    """The orders the manager manages, newest first, and their license counts."""
    stmt = (
        sa.select(Order)
        .join(OrderManager, OrderManager.order_id == Order.id)
        .outerjoin(Order.customer)
        .where(OrderManager.manager_id == manager.id)
    )
    page = paginate(
        stmt, number, order_by=(Order.created_at.desc(), Order.id.desc()), options=(so.contains_eager(Order.customer),)
    )
    ids = [o.id for o in page.items]
    counts = (
        dict(
            db.session.execute(
                sa.select(License.order_id, sa.func.count()).where(License.order_id.in_(ids)).group_by(License.order_id)
            )
            .tuples()
            .all()
        )
        if ids
        else {}
    )
    return page, counts


def search_orders(manager: LicenseManager, text: str) -> tuple[list[Order], bool]:
    """Orders of the account the manager does not manage yet, by reference or customer.

    Returns at most SEARCH_LIMIT orders and whether more match.
    """
    stmt = (
        sa.select(Order)
        .outerjoin(Order.customer)
        .where(Order.id.not_in(managed_order_ids(manager.id)))
        .options(so.contains_eager(Order.customer))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(SEARCH_LIMIT + 1)
    )
    text = text.strip()
    if text:
        stmt = stmt.where(
            sa.or_(
                *(
                    contains(c, text)
                    for c in (
                        Order.reference,
                        Customer.email,
                        Customer.company,
                        Customer.first_name,
                        Customer.last_name,
                        Customer.reference,
                    )
                )
            )
        )
    orders = list(db.session.scalars(stmt))
    return orders[:SEARCH_LIMIT], len(orders) > SEARCH_LIMIT


# Licenses tab


def licenses_page(manager: LicenseManager, number: int) -> Page:
    """The licenses under the manager's orders, newest first, with product and order."""
    stmt = (
        sa.select(License)
        .join(License.product)
        .join(License.order)
        .where(License.order_id.in_(managed_order_ids(manager.id)))
    )
    return paginate(
        stmt,
        number,
        order_by=(License.created_at.desc(), License.id.desc()),
        options=(so.contains_eager(License.product), so.contains_eager(License.order)),
    )


# User groups tab


def user_groups_page(manager: LicenseManager, number: int) -> tuple[Page, dict[int, int]]:
    """The groups the manager manages, by name, and their member counts."""
    stmt = (
        sa.select(UserGroup)
        .join(UserGroupManager, UserGroupManager.user_group_id == UserGroup.id)
        .where(UserGroupManager.manager_id == manager.id)
    )
    page = paginate(stmt, number, order_by=(UserGroup.name, UserGroup.id))
    ids = [g.id for g in page.items]
    counts = (
        dict(
            db.session.execute(
                sa.select(UserGroupMember.user_group_id, sa.func.count())
                .where(UserGroupMember.user_group_id.in_(ids))
                .group_by(UserGroupMember.user_group_id)
            )
            .tuples()
            .all()
        )
        if ids
        else {}
    )
    return page, counts
