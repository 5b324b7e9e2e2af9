"""Reads of the license pages: the filtered list, a license's devices, users and floating seats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope, search
from portal.extensions import db
from portal.lists import COUNT_CAP, Page, Sorts, paginate, positive_id
from portal.models import Customer, Device, License, LicenseAssignment, LicenseUser, Order, Product, utcnow
from portal.models.catalog import LICENSE_TYPES
from portal.services.devices.queries import FLOATING_SORTS
from portal.services.users.sorting import PERSON_SORTS

EXPIRING_CHOICES = (1, 7, 30, 90)
# What a row of the list shows besides the license: its order (joined to filter) and product.
LIST_OPTIONS = (so.contains_eager(License.order), so.contains_eager(License.product))
# "Expired" is no stored status: a license past its end that is not disabled.
STATUS_CHOICES = ("active", "inactive", "expired", "disabled")
SEATS_USED = sa.case((License.max_license_users > 0, License.assigned_users), else_=License.times_activated)
SORTS = Sorts(
    {
        "license": (License.license_key, Product.name, Order.reference, License.id),
        "product": (Product.name, License.id),
        "order": (Order.reference, License.id),
        "type": (License.license_type, License.id),
        "status": (License.status, License.id),
        "seats": (SEATS_USED, License.id),
        "valid_until": (License.valid_until, License.id),
        "note": (License.note, License.id),
        "created": (License.created_at, License.id),
    },
    default="-created",
)


@dataclass
class LicenseFilters:
    q: str = ""
    product: int | None = None
    status: str = ""
    type: str = ""
    expiring: int | None = None
    sort: str = SORTS.default

    @classmethod
    def from_args(cls, args: Any) -> LicenseFilters:
        """Read the filters from query arguments, ignoring values that are not choices."""
        status = args.get("status", "")
        type_ = args.get("type", "")
        expiring = args.get("expiring", type=int)
        return cls(
            q=(args.get("q") or "").strip()[:200],
            product=positive_id(args.get("product")),  # past 2**31 or below 1: no such product, no filter
            status=status if status in STATUS_CHOICES else "",
            type=type_ if type_ in LICENSE_TYPES else "",
            expiring=expiring if expiring and 0 < expiring <= 3650 else None,
            sort=SORTS.parse(args.get("sort")),
        )

    def as_args(self) -> dict[str, Any]:
        values = dict(q=self.q, product=self.product, status=self.status, type=self.type, expiring=self.expiring)
        return {k: v for k, v in values.items() if v} | SORTS.args(self.sort)


def manager_licenses_page(manager_id: int, filters: LicenseFilters, number: int) -> Page[License]:
    """A page of the manager's licenses under the filters, with its capped count.

    Unfiltered and newest first, a large scope reads down its own licenses (``scope.newest_own_licenses``)
    or, with customer accounts, the vendor's newest, testing each, and counts order by order (both stop
    early); otherwise the scope is collected first.
    """
    if filters == LicenseFilters() and scope.is_large(manager_id):
        own = scope.newest_own_licenses(licenses_query(None, filters, in_scope=sa.true()), manager_id)
        return paginate(
            own
            if own is not None
            else licenses_query(None, filters, in_scope=scope.manages(manager_id, License.order_id)),
            number,
            options=LIST_OPTIONS,
            args=filters.as_args(),
            total=lambda: scope_total(manager_id),
        )
    return paginate(
        licenses_query(scope.managed_order_ids(manager_id), filters),
        number,
        options=LIST_OPTIONS,
        args=filters.as_args(),
    )


def scope_total(manager_id: int) -> int:
    """How many licenses a large scope holds, up to the cap + 1: past the cap by its kept summary, if that
    says so, else counted (~7 ms at 20,000 orders). A summary's "past the cap" stays true: licenses are
    never deleted, and whatever takes orders out of a scope makes its summary forgotten."""
    from portal.services.reports import summary

    kept = summary.kept(manager_id)
    if kept is not None and kept.figures.get("license_count", 0) > COUNT_CAP:
        return COUNT_CAP + 1
    return scope.count_licenses(manager_id, COUNT_CAP)


def licenses_query(
    order_ids: sa.Select[Any] | None, filters: LicenseFilters, in_scope: sa.ColumnElement[bool] | None = None
) -> sa.Select[Any]:
    """Licenses under the given orders (or meeting ``in_scope``) that match the filters, in the filters' sort."""
    scoped = in_scope if in_scope is not None else License.order_id.in_(order_ids if order_ids is not None else [])
    stmt = (
        sa.select(License)
        .join(Order, Order.id == License.order_id)
        .join(Product, Product.id == License.product_id)
        .where(scoped)
    )
    if search.searchable(filters.q):  # a shorter text is not searched: the box asks for more
        by_order = sa.select(Order.id).where(search.matches(Order, filters.q))
        stmt = stmt.where(sa.or_(search.matches(License, filters.q), License.order_id.in_(by_order)))
    if filters.product:
        stmt = stmt.where(License.product_id == filters.product)
    if filters.status:
        stmt = stmt.where(status_is(filters.status))
    if filters.type:
        stmt = stmt.where(License.license_type == filters.type)
    if filters.expiring:
        now = utcnow()
        stmt = stmt.where(License.valid_until >= now, License.valid_until <= now + dt.timedelta(days=filters.expiring))
    return SORTS.apply(stmt, filters.sort)


def status_is(status: str) -> sa.ColumnElement[bool]:
    """Licenses showing this status: a stored one, or "expired" (past the end, not disabled)."""
    past_end = sa.and_(License.valid_until.is_not(None), License.valid_until < utcnow())
    if status == "expired":
        return sa.and_(License.status != "disabled", past_end)
    if status == "disabled":
        return License.status == "disabled"
    return sa.and_(License.status == status, sa.not_(past_end))


def product_choices(manager_id: int) -> list[Product]:
    """The products that have licenses under the manager's orders, for the filter select.

    A large scope's are its kept summary's (counted at most a minute or so ago), not a scan of its licenses.
    """
    from portal.services.reports import summary

    kept = summary.kept(manager_id)
    if kept is not None and "products" in kept.figures:
        used: Any = kept.figures["products"]
    else:
        used = sa.select(License.product_id).where(License.order_id.in_(scope.managed_order_ids(manager_id)))
    return list(db.session.scalars(sa.select(Product).where(Product.id.in_(used)).order_by(Product.name)))


def product_ids(manager_id: int) -> list[int]:
    """The ids of the products with licenses under the manager's orders (counted for the summary)."""
    used = sa.select(License.product_id).where(License.order_id.in_(scope.managed_order_ids(manager_id)))
    return list(db.session.scalars(sa.select(Product.id).where(Product.id.in_(used)).order_by(Product.id)))


DEVICE_SORTS = Sorts(
    {
        "device": (Device.hostname, Device.hardware_id, Device.id),
        "os": (Device.os, Device.id),
        "first": (Device.first_activated_at, Device.id),
        "last": (Device.last_check_in_at, Device.id),
        "floating": (Device.floating_in_use, Device.floating_since, Device.id),
        "state": (Device.is_active, Device.is_revoked, Device.first_activated_at, Device.id),
    },
    default="-state",
)


def devices_query(license_: License, sort: str = DEVICE_SORTS.default) -> sa.Select[Any]:
    """The license's devices in this sort: active ones first, newest activation first."""
    stmt = sa.select(Device).where(Device.license_id == license_.id).execution_options(populate_existing=True)
    return DEVICE_SORTS.apply(stmt, sort)


USER_SORTS = PERSON_SORTS


def users_query(license_: License, sort: str = USER_SORTS.default) -> sa.Select[Any]:
    """The license users holding a seat on the license, in this sort (by email)."""
    stmt = (
        sa.select(LicenseUser)
        .join(LicenseAssignment, LicenseAssignment.license_user_id == LicenseUser.id)
        .where(LicenseAssignment.license_id == license_.id)
    )
    return USER_SORTS.apply(stmt, sort)


# The floating seats of one license: the columns of the floating seats page but its license.
HOLDER_SORTS = Sorts(
    {name: columns for name, columns in FLOATING_SORTS.columns.items() if name != "license"},
    default=FLOATING_SORTS.default,
    nulls_low=True,
)


def holders_query(license_: License, sort: str = HOLDER_SORTS.default) -> sa.Select[Any]:
    """The devices holding one of the license's floating seats, in this sort (longest held first)."""
    stmt = (
        sa.select(Device)
        .where(Device.license_id == license_.id, Device.floating_in_use)
        .execution_options(populate_existing=True)
    )
    return HOLDER_SORTS.apply(stmt, sort)


def is_assigned(license_: License, user: LicenseUser) -> bool:
    """Whether the user holds a seat on the license."""
    found = db.session.scalar(
        sa.select(LicenseAssignment.id).where(
            LicenseAssignment.license_id == license_.id, LicenseAssignment.license_user_id == user.id
        )
    )
    return found is not None


def customer_account_id(license_: License) -> int | None:
    """The customer account a license's seats belong to: its order's customer's account."""
    return db.session.scalar(
        sa.select(Customer.customer_account_id)
        .join(Order, Order.customer_id == Customer.id)
        .where(Order.id == license_.order_id)
    )
