"""Helpers for the License Managers tests: a staffed vendor, bulk rows, reading the database, parsing pages."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html import unescape

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Device,
    License,
    LicenseManager,
    LicenseUser,
    Order,
    OrderManager,
    StaffUser,
    utcnow,
)
from portal.tenancy import all_tenants

BASE = "/vendor/license-managers"
_seq = iter(range(1, 10**9))
_ids = itertools.count(1)


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
    return [unescape(m) for m in re.findall(r'<td[^>]* class="email"><span>([^<@\s]+@[^<\s]+)</span>', body)]


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def staff(make, vendor) -> StaffUser:
    """A staff member without a usable password: tests sign in through the session, and
    hashing one outside an app context would cost argon2's production parameters."""
    return make._save(
        vendor.id,
        StaffUser(
            vendor_account_id=vendor.id, email=f"staff{next(_ids)}@vendor.test", name="Staff Person", password_hash="!"
        ),
    )


def staffed(make, login, client, **manager_fields) -> dict:
    """A vendor with products, policies, an order of a customer, a manager on it, staff signed in."""
    w = make.world()
    w["staff"] = staff(make, w["vendor"])
    fields = dict(
        permissions=["issue_license", "create_order"],
        account=w["account"],
        password=None,
        orders=[w["order"]],
        products=[w["key_product"]],
        policies=[w["key_policy"]],
    )
    fields.update(manager_fields)
    w["manager"] = make.manager(w["vendor"], **fields)
    login(w["staff"])
    return w


def events(app, action: str | None = None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return read(app, lambda: list(db.session.scalars(stmt)))


def event_count(app) -> int:
    return scalar(app, sa.select(sa.func.count()).select_from(AuditEvent))


def bulk_orders(app, vendor, manager, n: int, licenses_each: int = 1, policy=None, customer=None) -> list[int]:
    """Insert n orders managed by the manager, each with licenses, in a few statements."""
    now = utcnow()
    base = next(_ids) * 1_000_000
    orders, links, licenses = [], [], []
    for i in range(n):
        oid = base + i
        orders.append(
            dict(
                id=oid,
                vendor_account_id=vendor.id,
                reference=f"BULK-{oid}",
                customer_id=customer.id if customer else None,
                is_trial=False,
                is_test=False,
                is_bundle=False,
                created_at=now - dt.timedelta(minutes=i),
            )
        )
        links.append(dict(order_id=oid, manager_id=manager.id, created_at=now))
        for j in range(licenses_each if policy else 0):
            lid = oid * 10 + j
            licenses.append(
                dict(
                    id=lid,
                    vendor_account_id=vendor.id,
                    order_id=oid,
                    product_id=policy.product_id,
                    policy_id=policy.id,
                    license_key=f"BK-{lid}",
                    license_type="perpetual",
                    status="active",
                    max_activations=3,
                    times_activated=1,
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
                    created_at=now - dt.timedelta(minutes=i, seconds=j),
                )
            )
    with app.app_context(), all_tenants(db.session):
        for model, rows in ((Order, orders), (OrderManager, links), (License, licenses)):
            if rows:
                db.session.execute(sa.insert(model.__table__), rows)
        db.session.commit()
    return [o["id"] for o in orders]


def bulk_devices(app, license_ids: list[int], vendor, activated_at: dt.datetime) -> None:
    with app.app_context(), all_tenants(db.session):
        db.session.execute(
            sa.insert(Device.__table__),
            [
                dict(
                    vendor_account_id=vendor.id,
                    license_id=lid,
                    hardware_id=f"hw-{lid}-{next(_ids)}",
                    hostname="bulk",
                    os="",
                    ip="",
                    sdk_version="",
                    is_active=True,
                    first_activated_at=activated_at,
                    floating_in_use=False,
                    is_revoked=False,
                    created_at=activated_at,
                )
                for lid in license_ids
            ],
        )
        db.session.commit()


def is_fragment(response) -> bool:
    return "<html" not in response.get_data(as_text=True)


def text(response) -> str:
    """The page as text, tags removed and whitespace collapsed, for reading what a person sees."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(span|a|strong|code|time|em)\b[^>]*>", "", html)  # inline: no gap
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def selected_tab(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'role="tab" id="tab-([a-z_]+)"[^>]*aria-selected="true"', html)


def field_error(response, field_id: str) -> str:
    """The message at a field (the <p class="error" id="<field>-error">)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return unescape(match.group(1)).strip() if match else ""
