"""Reads of the license users pages, and the look-ups that decide whom a manager may reach."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal import scope, search
from portal.extensions import db
from portal.lists import Sorts
from portal.models import License, LicenseAssignment, LicenseManager, LicenseUser, Order, Product
from portal.services.licenses import queries as license_queries
from portal.services.users.sorting import PERSON_COLUMNS


def user_sorts(manager_id: int) -> Sorts:
    """The columns the users list sorts by; "licenses" counts the seats in this manager's orders."""
    licenses = (
        sa.select(sa.func.count(LicenseAssignment.id))
        .join(License, License.id == LicenseAssignment.license_id)
        .where(
            LicenseAssignment.license_user_id == LicenseUser.id,
            License.order_id.in_(scope.managed_order_ids(manager_id)),
        )
        .correlate(LicenseUser)
        .scalar_subquery()
    )
    return Sorts(
        {
            **PERSON_COLUMNS,
            "licenses": (licenses, LicenseUser.id),
            "status": (LicenseUser.is_active, LicenseUser.is_initial_password, LicenseUser.id),
        },
        default="email",
        nulls_low=True,
    )


def users_query(manager: LicenseManager, q: str = "", sort: str = "email") -> sa.Select[Any]:
    """The license users the manager may see, with their manager id (or None), in this sort (by email)."""
    stmt = (
        sa.select(LicenseUser, LicenseManager.id)
        .outerjoin(LicenseManager, LicenseManager.license_user_id == LicenseUser.id)
        .where(LicenseUser.id.in_(scope.license_user_ids(manager)))
    )
    if search.searchable(q):  # a shorter text is not searched: the box asks for more
        stmt = stmt.where(search.matches(LicenseUser, q))
    return user_sorts(manager.id).apply(stmt, sort)


def license_counts(user_ids: list[int], manager_id: int) -> dict[int, int]:
    """Licenses of the manager's orders per user, for one page of users: one GROUP BY."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(LicenseAssignment.license_user_id, sa.func.count())
        .join(License, License.id == LicenseAssignment.license_id)
        .where(
            LicenseAssignment.license_user_id.in_(user_ids),
            License.order_id.in_(scope.managed_order_ids(manager_id)),
        )
        .group_by(LicenseAssignment.license_user_id)
    )
    return dict(rows.tuples().all())


def licenses_of(user: LicenseUser, manager_id: int, sort: str = license_queries.SORTS.default) -> sa.Select[Any]:
    """The licenses of the manager's orders the user holds a seat on, in a sort of the licenses list.

    Order and product are joined (the sorts and each row's name need them): load with ``LICENSE_OPTIONS``.
    """
    stmt = (
        sa.select(License)
        .join(LicenseAssignment, LicenseAssignment.license_id == License.id)
        .join(Order, Order.id == License.order_id)
        .join(Product, Product.id == License.product_id)
        .where(
            LicenseAssignment.license_user_id == user.id,
            License.order_id.in_(scope.managed_order_ids(manager_id)),
        )
    )
    return license_queries.SORTS.apply(stmt, sort)


LICENSE_SORTS = license_queries.SORTS
LICENSE_OPTIONS = license_queries.LIST_OPTIONS


def find_user(email: str) -> LicenseUser | None:
    """The vendor's license user with this email (emails are unique per vendor)."""
    return db.session.scalar(sa.select(LicenseUser).where(LicenseUser.email == email))


def manager_of(user: LicenseUser) -> LicenseManager | None:
    """The license manager who signs in as this license user, if any."""
    return db.session.scalar(sa.select(LicenseManager).where(LicenseManager.license_user_id == user.id))


def in_scope(user: LicenseUser, manager: LicenseManager) -> bool:
    """Whether the manager already reaches the user (on their licenses, groups or organisation)."""
    found = db.session.scalar(
        sa.select(LicenseUser.id).where(LicenseUser.id == user.id, LicenseUser.id.in_(scope.license_user_ids(manager)))
    )
    return found is not None


def reachable(user: LicenseUser, customer_account_id: int | None, manager: LicenseManager) -> bool:
    """Whether a manager may put an existing user on a seat or in a group of this customer account.

    A license user belongs to one customer: one of another customer account is never reached, and
    one with no customer account only when the manager reaches them already.
    """
    if user.customer_account_id is not None:
        return user.customer_account_id == customer_account_id
    return in_scope(user, manager)
