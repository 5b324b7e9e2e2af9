"""Usage figures of a manager's orders for the dashboard, the reports and the CSV exports.

Every figure is one SQL aggregate (GROUP BY) over the licenses of the orders the manager
manages (``managed_order_ids``); the exports read in keyset batches, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import lists as listing
from portal import scope
from portal.errors import N_
from portal.extensions import db
from portal.models import (
    Device,
    License,
    LicensePolicy,
    Order,
    Product,
    utcnow,
)
from portal.scope import managed_order_ids

TOP_LICENSES = 10
DEVICE_BUCKETS = [N_("No devices"), N_("1 device"), N_("2–5 devices"), N_("6–10 devices"), N_("More than 10")]
BATCH = 1000


def _mine(manager_id: int) -> sa.ColumnElement[bool]:
    return License.order_id.in_(managed_order_ids(manager_id))


@dataclass
class Seats:
    product: str
    used: int
    total: int | None  # None: at least one license without a limit

    @property
    def free(self) -> int | None:
        return None if self.total is None else max(self.total - self.used, 0)


def seats_by_product(manager_id: int) -> list[Seats]:
    """Seats used of total per product: users on user-based licenses, activations otherwise."""
    user_based = License.max_license_users > 0
    used = sa.case((user_based, License.assigned_users), else_=License.times_activated)
    total = sa.case((user_based, License.max_license_users), else_=License.max_activations)
    rows = db.session.execute(
        sa.select(Product.name, sa.func.sum(used), sa.func.sum(total), sa.func.count(License.id) - sa.func.count(total))
        .join(Product, Product.id == License.product_id)
        .where(_mine(manager_id), License.status != "disabled")
        .group_by(Product.id, Product.name)
        .order_by(Product.name)
    )
    return [Seats(name, int(u or 0), None if unlimited else int(t or 0)) for name, u, t, unlimited in rows]


def latest_orders(manager_id: int, latest: int = 5) -> list[Order]:
    """The manager's newest few orders; a large scope reads down its own orders (``scope.newest_assigned_orders``)
    or, with customer accounts, the vendor's newest, testing each."""
    stmt = sa.select(Order).options(so.joinedload(Order.customer))
    if scope.is_large(manager_id) and not scope.shape(manager_id).accounts:
        stmt = scope.newest_assigned_orders(stmt, manager_id)
    else:
        stmt = stmt.where(scope.in_scope(manager_id, Order.id)).order_by(Order.created_at.desc(), Order.id.desc())
    return list(db.session.scalars(stmt.limit(latest)))


def expiring_soonest(manager_id: int, days: int = 30, shown: int = 5) -> list[License]:
    """The few enabled licenses that end soonest within ``days``, read down the end-date index."""
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(License)
            .where(
                scope.in_scope(manager_id, License.order_id),
                License.status != "disabled",
                License.valid_until >= now,
                License.valid_until < now + dt.timedelta(days=days),
            )
            .options(so.joinedload(License.product), so.joinedload(License.order))
            .order_by(License.valid_until, License.id)
            .limit(shown)
        )
    )


def order_count(manager_id: int) -> int:
    """How many orders the manager manages (capped), counted from their own index entries."""
    return scope.count_orders(manager_id, listing.COUNT_CAP)


def expiring_count(manager_id: int, days: int = 30) -> int:
    """How many enabled licenses end within ``days`` (capped)."""
    now = utcnow()
    return listing.count(
        sa.select(License.id).where(
            _mine(manager_id),
            License.status != "disabled",
            License.valid_until >= now,
            License.valid_until < now + dt.timedelta(days=days),
        )
    )


@dataclass
class Floating:
    in_use: int
    seats: int
    licenses: int
    borrowed: int


def floating(manager_id: int) -> Floating:
    """Floating seats held now, of how many, and how many of them are borrowed."""
    in_use, seats, licenses = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(License.floating_in_use), 0),
            sa.func.coalesce(sa.func.sum(License.floating_seats), 0),
            sa.func.count(License.id),
        ).where(_mine(manager_id), License.is_floating)
    ).one()
    borrowed = (
        db.session.scalar(
            sa.select(sa.func.count(Device.id))
            .join(License, License.id == Device.license_id)
            .where(_mine(manager_id), Device.floating_in_use, Device.borrowed_until > utcnow())
        )
        or 0
    )
    return Floating(int(in_use), int(seats), int(licenses), int(borrowed))


def _bucket_of(column: so.InstrumentedAttribute[dt.datetime], start: dt.datetime, days: int) -> sa.ColumnElement[int]:
    """The whole buckets of ``days`` between ``start`` and a timestamp, in this database's dialect."""
    if db.session.get_bind().dialect.name == "sqlite":
        # Only timestamps after start are asked for, so truncating is flooring (SQLite may
        # lack floor()).
        elapsed = sa.func.julianday(column) - sa.func.julianday(sa.literal(start.isoformat(" ")))
        return sa.cast(elapsed / days, sa.Integer)
    elapsed = sa.extract("epoch", column - sa.literal(start, sa.DateTime)) / 86400
    return sa.cast(sa.func.floor(elapsed / days), sa.Integer)


MAX_RANGE_DAYS = 366
DAILY_UP_TO = 31  # ranges up to a month are counted per day, longer ones per week
SERIES_SHOWN = 6  # products drawn on their own; the others together as one line


@dataclass
class Activations:
    """Devices first activated per product and bucket (day or week) over a date range."""

    labels: list[str]  # each bucket's first day
    series: dict[str, list[int]]  # product (or "Other products") -> one count per bucket
    bucket_days: int


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 90 days, today included."""
    end = today or utcnow().date()
    return end - dt.timedelta(days=89), end


def activations(manager_id: int, first: dt.date, last: dt.date) -> Activations:
    """Devices first activated per product from ``first`` to ``last`` (both included), one GROUP BY.

    The range is the caller's, at most MAX_RANGE_DAYS long (a longer one is cut at its start).
    Products beyond the SERIES_SHOWN most active are summed into one "Other products" series.
    """
    first = max(first, last - dt.timedelta(days=MAX_RANGE_DAYS - 1))
    span = (last - first).days + 1
    bucket_days = 1 if span <= DAILY_UP_TO else 7
    buckets = math.ceil(span / bucket_days)
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    per_device = (
        sa.select(Product.name.label("product"), _bucket_of(Device.first_activated_at, start, bucket_days).label("b"))
        .join(License, License.id == Device.license_id)
        .join(Product, Product.id == License.product_id)
        .where(_mine(manager_id), Device.first_activated_at >= start, Device.first_activated_at < end)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(per_device.c.product, per_device.c.b, sa.func.count()).group_by(per_device.c.product, per_device.c.b)
    )
    series: dict[str, list[int]] = {}
    for product, bucket, count in rows:
        if 0 <= bucket < buckets:
            series.setdefault(product, [0] * buckets)[bucket] += count
    ranked = sorted(series.items(), key=lambda item: (-sum(item[1]), item[0]))
    shown = dict(sorted(ranked[:SERIES_SHOWN]))
    if len(ranked) > SERIES_SHOWN:
        others = [sum(values) for values in zip(*(v for _, v in ranked[SERIES_SHOWN:]), strict=True)]
        shown["Other products"] = others
    labels = [(first + dt.timedelta(days=i * bucket_days)).strftime("%d %b") for i in range(buckets)]
    return Activations(labels, shown, bucket_days)


def top_licenses_by_devices(manager_id: int, limit: int = TOP_LICENSES) -> list[sa.Row]:
    """The licenses with the most active devices: (id, key, product, order reference, seats, devices)."""
    devices = sa.func.count(Device.id).label("devices")
    return list(
        db.session.execute(
            sa.select(
                License.id,
                License.license_key,
                Product.name.label("product"),
                Order.reference,
                License.max_license_users,
                devices,
            )
            .join(Device, Device.license_id == License.id)
            .join(Product, Product.id == License.product_id)
            .join(Order, Order.id == License.order_id)
            .where(_mine(manager_id), Device.is_active)
            .group_by(License.id, License.license_key, Product.name, Order.reference, License.max_license_users)
            .order_by(devices.desc(), License.id)
            .limit(limit)
        )
    )


def device_distribution(manager_id: int) -> list[tuple[str, int]]:
    """How many licenses have no, one, a few or many active devices."""
    per_license = (
        sa.select(sa.func.count(Device.id).label("n"))
        .select_from(License)
        .outerjoin(Device, sa.and_(Device.license_id == License.id, Device.is_active))
        .where(_mine(manager_id))
        .group_by(License.id)
        .subquery()
    )
    n = per_license.c.n
    bucket = sa.case((n == 0, 0), (n == 1, 1), (n <= 5, 2), (n <= 10, 3), else_=4)
    bucketed = sa.select(bucket.label("bucket")).subquery()
    counts = dict(
        db.session.execute(sa.select(bucketed.c.bucket, sa.func.count()).group_by(bucketed.c.bucket)).tuples().all()
    )
    return [(label, counts.get(i, 0)) for i, label in enumerate(DEVICE_BUCKETS)]


LICENSE_COLUMNS = [
    "license_id",
    "order",
    "product",
    "policy",
    "license_key",
    "type",
    "status",
    "times_activated",
    "max_activations",
    "assigned_users",
    "max_license_users",
    "floating_in_use",
    "floating_seats",
    "valid_until",
    "created_at",
    "note",
]
DEVICE_COLUMNS = [
    "device_id",
    "license_id",
    "license_key",
    "order",
    "product",
    "hardware_id",
    "hostname",
    "os",
    "ip",
    "sdk_version",
    "active",
    "revoked",
    "floating_in_use",
    "borrowed_until",
    "first_activated_at",
    "last_check_in_at",
]


def _batches(stmt: sa.Select[Any], key: so.InstrumentedAttribute[int]) -> Iterator[sa.Row[Any]]:
    """Every row of ``stmt`` in id order, fetched BATCH at a time (keyset, no offset)."""
    last = 0
    while True:
        rows = db.session.execute(stmt.where(key > last).order_by(key).limit(BATCH)).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def license_rows(manager_id: int) -> Iterator[sa.Row]:
    stmt = (
        sa.select(
            License.id,
            Order.reference,
            Product.name,
            LicensePolicy.name,
            License.license_key,
            License.license_type,
            License.status,
            License.times_activated,
            License.max_activations,
            License.assigned_users,
            License.max_license_users,
            License.floating_in_use,
            License.floating_seats,
            License.valid_until,
            License.created_at,
            License.note,
        )
        .join(Order, Order.id == License.order_id)
        .join(Product, Product.id == License.product_id)
        .outerjoin(LicensePolicy, LicensePolicy.id == License.policy_id)
        .where(_mine(manager_id))
    )
    return _batches(stmt, License.id)


def device_rows(manager_id: int) -> Iterator[sa.Row]:
    stmt = (
        sa.select(
            Device.id,
            License.id,
            License.license_key,
            Order.reference,
            Product.name,
            Device.hardware_id,
            Device.hostname,
            Device.os,
            Device.ip,
            Device.sdk_version,
            Device.is_active,
            Device.is_revoked,
            Device.floating_in_use,
            Device.borrowed_until,
            Device.first_activated_at,
            Device.last_check_in_at,
        )
        .join(License, License.id == Device.license_id)
        .join(Order, Order.id == License.order_id)
        .join(Product, Product.id == License.product_id)
        .where(_mine(manager_id))
    )
    return _batches(stmt, Device.id)
