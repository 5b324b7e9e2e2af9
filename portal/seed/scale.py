"""Scale Co: N license managers with their orders, licenses, devices and users, in bulk.

Rows go in as batched Core INSERTs with ids worked out up front: no ORM objects, no
per-row round trips. Running it again adds N more managers to the same account.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from portal import permissions as perms
from portal.extensions import db
from portal.models import (
    CustomerAccount,
    DefaultPermissionSet,
    Device,
    License,
    LicenseManager,
    LicensePolicy,
    LicenseUser,
    Order,
    OrderManager,
    Product,
    StaffUser,
    VendorAccount,
    utcnow,
)
from portal.models.account import OWNER
from portal.passwords import hash_password
from portal.seed.builders import FIRST_NAMES, LAST_NAMES, OPERATING_SYSTEMS
from portal.services.orders.license_keys import license_key
from portal.tenancy import all_tenants

BATCH = 5_000
MANAGERS_PER_CUSTOMER_ACCOUNT = 100


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(model.__table__), rows)


def _account() -> tuple[int, list[dict], list[dict]]:
    """Find or create Scale Co with its staff, products and policies."""
    vendor = db.session.scalar(sa.select(VendorAccount).where(VendorAccount.name == "Scale Co"))
    if vendor is None:
        vendor = VendorAccount(name="Scale Co")
        db.session.add(vendor)
        db.session.flush()
        v = vendor.id
        db.session.add(
            StaffUser(
                vendor_account_id=v,
                email="admin@scale.test",
                name="Scale Admin",
                role=OWNER,  # the contract's staff sign-in of Scale Co; the model's default is admin
                password_hash=hash_password("demo-password"),
            )
        )
        db.session.add(DefaultPermissionSet(vendor_account_id=v, permissions=perms.FACTORY_DEFAULT_BITS))
        for code, method in (("scale-desktop", "key"), ("scale-cloud", "user"), ("scale-grid", "key")):
            product = Product(
                vendor_account_id=v,
                name=code.replace("-", " ").title(),
                code=code,
                authorization_method=method,
                floating_enabled=code == "scale-grid",
            )
            db.session.add(product)
            db.session.flush()
            db.session.add(
                LicensePolicy(
                    vendor_account_id=v,
                    product_id=product.id,
                    name=f"{product.name} Standard",
                    code=f"{code}-std",
                    max_activations=None if method == "user" else 3,
                    max_license_users=5 if method == "user" else 0,
                    is_floating=code == "scale-grid",
                    floating_seats=2 if code == "scale-grid" else 0,
                )
            )
        db.session.flush()
    products = [
        dict(id=p.id, method=p.authorization_method, floating=p.floating_enabled)
        for p in db.session.scalars(
            sa.select(Product).where(Product.vendor_account_id == vendor.id).order_by(Product.id)
        )
    ]
    policies = [
        dict(
            id=p.id,
            product_id=p.product_id,
            max_activations=p.max_activations,
            max_license_users=p.max_license_users,
            floating_seats=p.floating_seats,
            is_floating=p.is_floating,
        )
        for p in db.session.scalars(
            sa.select(LicensePolicy).where(LicensePolicy.vendor_account_id == vendor.id).order_by(LicensePolicy.id)
        )
    ]
    return vendor.id, products, policies


def _chunks(start: int, stop: int) -> Iterator[range]:
    for low in range(start, stop, BATCH):
        yield range(low, min(low + BATCH, stop))


def load(managers: int) -> dict[str, int]:
    rng = random.Random(managers)
    now = utcnow().replace(microsecond=0)
    with all_tenants(db.session):
        vendor_id, products, policies = _account()
        first_account = _next_id(CustomerAccount)
        existing = (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LicenseManager)
                .where(LicenseManager.vendor_account_id == vendor_id)
            )
            or 0
        )
        n_accounts = -(-managers // MANAGERS_PER_CUSTOMER_ACCOUNT)
        _insert(
            CustomerAccount,
            [
                dict(
                    id=first_account + i,
                    vendor_account_id=vendor_id,
                    name=f"Customer {first_account + i:06d}",
                    code=f"C{first_account + i:06d}",
                    created_at=now - dt.timedelta(days=700),
                )
                for i in range(n_accounts)
            ],
        )
        ids = {m: _next_id(m) for m in (LicenseUser, LicenseManager, Order, License, Device)}
        # Keys as issuing makes them, from a source seeded by where this run starts, so a second
        # run (which starts further on) does not draw the keys of the first again.
        keys = random.Random(ids[License])
        counts = dict.fromkeys(("managers", "users", "orders", "licenses", "devices"), 0)
        for chunk in _chunks(0, managers):
            users: list[Any] = []
            mgrs: list[Any] = []
            orders: list[Any] = []
            links: list[Any] = []
            licenses: list[Any] = []
            devices: list[Any] = []
            for i in chunk:
                n = existing + i
                account = first_account + i // MANAGERS_PER_CUSTOMER_ACCOUNT
                created = now - dt.timedelta(days=rng.randint(0, 729), seconds=rng.randint(0, 86399))
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                user_id = ids[LicenseUser] + 2 * i
                users.append(
                    dict(
                        id=user_id,
                        vendor_account_id=vendor_id,
                        customer_account_id=account,
                        email=f"{first.lower()}.{last.lower()}.{n}@c{account}.scale.test",
                        first_name=first,
                        last_name=last,
                        phone="",
                        is_active=True,
                        is_initial_password=False,
                        created_at=created,
                    )
                )
                users.append(
                    dict(
                        id=user_id + 1,
                        vendor_account_id=vendor_id,
                        customer_account_id=account,
                        email=f"user.{n}@c{account}.scale.test",
                        first_name=rng.choice(FIRST_NAMES),
                        last_name=rng.choice(LAST_NAMES),
                        phone="",
                        is_active=True,
                        is_initial_password=False,
                        created_at=created,
                    )
                )
                status = rng.choices(("active", "invited", "disabled"), (80, 15, 5))[0]
                manager_id = ids[LicenseManager] + i
                mgrs.append(
                    dict(
                        id=manager_id,
                        vendor_account_id=vendor_id,
                        license_user_id=user_id,
                        customer_account_id=account,
                        status=status,
                        permissions=rng.choice(
                            (perms.FACTORY_DEFAULT_BITS, perms.ALL_BITS, 0, perms.FACTORY_DEFAULT_BITS)
                        ),
                        session_version=1,
                        invited_at=created,
                        created_at=created,
                        last_login_at=None
                        if status == "invited"
                        else now - dt.timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86399)),
                    )
                )
                order_id = ids[Order] + i
                orders.append(
                    dict(
                        id=order_id,
                        vendor_account_id=vendor_id,
                        reference=f"SC-{n + 1:07d}",
                        is_trial=False,
                        is_test=False,
                        is_bundle=False,
                        created_at=created,
                    )
                )
                links.append(dict(order_id=order_id, manager_id=manager_id, created_at=created))
                for k, policy in enumerate(policies):
                    license_id = ids[License] + len(policies) * i + k
                    activated = 0 if policy["max_license_users"] else 1
                    licenses.append(
                        dict(
                            id=license_id,
                            vendor_account_id=vendor_id,
                            order_id=order_id,
                            product_id=policy["product_id"],
                            policy_id=policy["id"],
                            license_key=license_key(keys),
                            license_type="perpetual",
                            status="active" if activated else "inactive",
                            max_activations=policy["max_activations"],
                            times_activated=activated,
                            transfer_count=0,
                            max_license_users=policy["max_license_users"],
                            assigned_users=0,
                            is_floating=policy["is_floating"],
                            floating_seats=policy["floating_seats"],
                            floating_in_use=0,
                            floating_timeout_minutes=30,
                            max_borrow_hours=0,
                            consumptions=0,
                            is_trial=False,
                            note="",
                            created_at=created,
                        )
                    )
                    if activated:
                        devices.append(
                            dict(
                                id=ids[Device] + counts["devices"] + len(devices),
                                vendor_account_id=vendor_id,
                                license_id=license_id,
                                hardware_id=f"{license_id:032x}",
                                hostname=f"sc-host-{license_id}",
                                os=rng.choice(OPERATING_SYSTEMS),
                                ip="",
                                sdk_version="8.0.0",
                                is_active=True,
                                first_activated_at=created,
                                last_check_in_at=created,
                                floating_in_use=False,
                                is_revoked=False,
                                created_at=created,
                            )
                        )
            _insert(LicenseUser, users)
            _insert(LicenseManager, mgrs)
            _insert(Order, orders)
            _insert(OrderManager, links)
            _insert(License, licenses)
            _insert(Device, devices)
            for key, rows in (
                ("users", users),
                ("managers", mgrs),
                ("orders", orders),
                ("licenses", licenses),
                ("devices", devices),
            ):
                counts[key] += len(rows)
        db.session.commit()
    return counts
