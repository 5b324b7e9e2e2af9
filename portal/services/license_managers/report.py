"""The report of one license manager: usage of the licenses under their orders, in SQL aggregates.

Every figure is a GROUP BY (or a plain aggregate) over the licenses in the manager's
orders, so the report costs the same handful of queries whatever the manager's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Device, License, LicenseManager, ManagerProduct, Product, utcnow
from portal.scope import managed_order_ids
from portal.services.reports import queries as usage

WEEKS = 13  # 91 days: the last 90 days and today
TOP_PRODUCTS = 20


@dataclass
class ManagerReport:
    """Every figure of one manager's report."""

    seats_by_product: list[tuple[str, int, int | None]]  # (product, used, total; None: unlimited)
    activations_by_week: list[tuple[str, int]]  # (week starting, devices first activated)
    by_status: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    licenses: int
    active_devices: int
    floating_in_use: int
    floating_seats: int
    issued_vs_caps: list[tuple[str, int, int | None]]  # (product, issued, cap; None: no cap)
    last_login_at: dt.datetime | None
    since: dt.date
    activations: usage.Activations | None = None  # per product, the same figures the manager's reports show
    counted_at: dt.datetime | None = None  # kept figures of a large scope: when they were counted; None: now

    @property
    def week_columns(self) -> list[tuple[str, int]]:
        """The weeks for a column chart: every other one named, so the dates do not overlap."""
        return [(label if i % 2 == 0 else "", n) for i, (label, n) in enumerate(self.activations_by_week)]


def _in_scope(manager: LicenseManager):
    return License.order_id.in_(managed_order_ids(manager.id))


def seats_by_product(manager: LicenseManager) -> list[tuple[str, int, int | None]]:
    """Seats used of total per product: users on user-based licenses, activations otherwise."""
    user_based = License.max_license_users > 0
    used = sa.case((user_based, License.assigned_users), else_=License.times_activated)
    total = sa.case((user_based, License.max_license_users), else_=License.max_activations)
    unlimited = sa.case((sa.and_(sa.not_(user_based), License.max_activations.is_(None)), 1), else_=0)
    used_sum = sa.func.sum(used).label("used")
    rows = db.session.execute(
        sa.select(Product.name, used_sum, sa.func.sum(total), sa.func.sum(unlimited))
        .join(License.product)
        .where(_in_scope(manager))
        .group_by(Product.id, Product.name)
        .order_by(used_sum.desc(), Product.name)
        .limit(TOP_PRODUCTS)
    )
    return [(name, int(u or 0), None if unl else int(t or 0)) for name, u, t, unl in rows]


def activations_by_week(manager: LicenseManager, now: dt.datetime) -> tuple[dt.date, list]:
    """Devices first activated per week over the last 90 days, empty weeks included."""
    since = now.date() - dt.timedelta(days=7 * WEEKS - 1)
    start = dt.datetime.combine(since, dt.time())
    activated = Device.first_activated_at
    week = sa.case(
        *((activated < start + dt.timedelta(weeks=i + 1), i) for i in range(WEEKS - 1)),
        else_=WEEKS - 1,
    )
    # Group by the output column's name: the CASE written twice would differ in its bound
    # parameters, which PostgreSQL refuses as a GROUP BY of another expression.
    counts = dict(
        db.session.execute(
            sa.select(week.label("activation_week"), sa.func.count(Device.id))
            .join(License, License.id == Device.license_id)
            .where(_in_scope(manager), activated >= start)
            .group_by(sa.literal_column("activation_week"))
        )
        .tuples()
        .all()
    )
    points = [((since + dt.timedelta(weeks=i)).strftime("%d %b"), counts.get(i, 0)) for i in range(WEEKS)]
    return since, points


def _count_by(manager: LicenseManager, column) -> list[tuple[str, int]]:
    rows = db.session.execute(
        sa.select(column, sa.func.count(License.id))
        .where(_in_scope(manager))
        .group_by(column)
        .order_by(sa.func.count(License.id).desc(), column)
    )
    return [(str(value).capitalize(), int(n)) for value, n in rows]


def counted(manager: LicenseManager, now: dt.datetime) -> dict[str, Any]:
    """The report's figures over the manager's licenses, counted live (kept for large scopes as JSON)."""
    since, weeks = activations_by_week(manager, now)
    licenses, in_use, seats = db.session.execute(
        sa.select(
            sa.func.count(License.id),
            sa.func.sum(License.floating_in_use),
            sa.func.sum(sa.case((License.is_floating, License.floating_seats), else_=0)),
        ).where(_in_scope(manager))
    ).one()
    active_devices = db.session.scalar(
        sa.select(sa.func.count(Device.id))
        .join(License, License.id == Device.license_id)
        .where(_in_scope(manager), Device.is_active)
    )
    activity = usage.activations(manager.id, since, now.date())
    return dict(
        seats_by_product=seats_by_product(manager),
        activations_by_week=weeks,
        by_status=_count_by(manager, License.status),
        by_type=_count_by(manager, License.license_type),
        licenses=int(licenses or 0),
        active_devices=int(active_devices or 0),
        floating_in_use=int(in_use or 0),
        floating_seats=int(seats or 0),
        since=since.isoformat(),
        activations=dict(labels=activity.labels, series=activity.series, bucket_days=activity.bucket_days),
    )


def build(manager: LicenseManager, figures: dict[str, Any] | None = None) -> ManagerReport:
    """Every figure of the manager's report: counted now, or the kept ``figures`` of a large scope."""
    counted_at = None
    if figures is None:
        # A large scope's figures are kept (the summary counts them with ``counted`` above).
        from portal.services.reports import summary

        row = summary.kept(manager.id)
        figures, counted_at = (row.figures["report"], row.counted_at) if row else (counted(manager, utcnow()), None)
    caps = db.session.execute(
        sa.select(Product.name, ManagerProduct.issued, ManagerProduct.cap)
        .join(ManagerProduct.product)
        .where(ManagerProduct.manager_id == manager.id)
        .order_by(Product.name)
    )
    return ManagerReport(
        seats_by_product=[(name, used, total) for name, used, total in figures["seats_by_product"]],
        activations_by_week=[(label, n) for label, n in figures["activations_by_week"]],
        by_status=[(label, n) for label, n in figures["by_status"]],
        by_type=[(label, n) for label, n in figures["by_type"]],
        licenses=figures["licenses"],
        active_devices=figures["active_devices"],
        floating_in_use=figures["floating_in_use"],
        floating_seats=figures["floating_seats"],
        issued_vs_caps=[(name, int(issued), cap) for name, issued, cap in caps],
        last_login_at=manager.last_login_at,
        since=dt.date.fromisoformat(figures["since"]),
        activations=usage.Activations(**figures["activations"]),
        counted_at=counted_at,
    )
