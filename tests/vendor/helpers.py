"""Helpers for the vendor License Managers tests: bulk rows, reading the database, parsing pages."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import sqlalchemy as sa

from portal.extensions import db
from portal.models import License, LicenseManager, LicenseUser, Order, OrderManager, utcnow
from portal.tenancy import all_tenants

_seq = iter(range(1, 10**9))


def bulk_managers(
    app,
    vendor,
    n: int,
    *,
    account=None,
    status: str = "active",
    permissions: int = 0,
    orders_each: int = 1,
    licenses_each: int = 2,
    policy=None,
    prefix: str = "bulk",
) -> list[int]:
    """Insert n managers (each with a user, orders and licenses) in a few statements; return ids."""
    now = utcnow()
    with app.app_context(), all_tenants(db.session):
        first = next(_seq) * 10_000  # n stays below 10,000
        users, managers, orders, links, licenses = [], [], [], [], []
        for i in range(n):
            uid = mid = first + i
            users.append(
                dict(
                    id=uid,
                    vendor_account_id=vendor.id,
                    email=f"{prefix}{first + i}@bulk.test",
                    first_name="Bulk",
                    last_name=f"Person{i:05d}",
                    phone="",
                    is_active=True,
                    is_initial_password=False,
                    created_at=now,
                    customer_account_id=account.id if account else None,
                )
            )
            managers.append(
                dict(
                    id=mid,
                    vendor_account_id=vendor.id,
                    license_user_id=uid,
                    status=status,
                    permissions=permissions,
                    session_version=1,
                    created_at=now - dt.timedelta(seconds=i),
                    customer_account_id=account.id if account else None,
                )
            )
            for k in range(orders_each):
                oid = (first + i) * 10 + k
                orders.append(
                    dict(
                        id=oid,
                        vendor_account_id=vendor.id,
                        reference=f"B-{oid}",
                        is_trial=False,
                        is_test=False,
                        is_bundle=False,
                        created_at=now,
                    )
                )
                links.append(dict(order_id=oid, manager_id=mid, created_at=now))
                for j in range(licenses_each if policy else 0):
                    licenses.append(
                        dict(
                            id=oid * 10 + j,
                            vendor_account_id=vendor.id,
                            order_id=oid,
                            product_id=policy.product_id,
                            policy_id=policy.id,
                            license_key=f"BK{oid * 10 + j}",
                            license_type="perpetual",
                            status="inactive",
                            max_activations=1,
                            times_activated=0,
                            transfer_count=0,
                            max_license_users=0,
                            assigned_users=0,
                            is_floating=False,
                            floating_seats=0,
                            floating_in_use=0,
                            floating_timeout_minutes=30,
                            max_borrow_hours=0,
                            consumptions=0,
                            is_trial=False,
                            note="",
                            created_at=now,
                        )
                    )
        for model, rows in (
            (LicenseUser, users),
            (LicenseManager, managers),
            (Order, orders),
            (OrderManager, links),
            (License, licenses),
        ):
            if rows:
                db.session.execute(sa.insert(model.__table__), rows)
        db.session.commit()
    return [m["id"] for m in managers]


def read(app, fn):
    """Run fn() with every tenant visible and return its result (for assertions on the database)."""
    with app.app_context(), all_tenants(db.session):
        return fn()


def scalar(app, stmt):
    return read(app, lambda: db.session.scalar(stmt))


def scalars(app, stmt) -> list:
    return read(app, lambda: list(db.session.scalars(stmt)))


def row_emails(html: str) -> list[str]:
    """The email column of the overview table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [unescape(m) for m in re.findall(r"<td>([^<@\s]+@[^<\s]+)</td>", body)]


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
