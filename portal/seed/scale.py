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

from portal import db_triggers
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
    """INSERT the rows through the driver's executemany: SQLAlchemy's per-row parameter processing
    cost more than SQLite's own work. Datetimes go to SQLite as SQLAlchemy itself stores them."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(model.__table__.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    values = [tuple(row.values()) for row in rows]  # every row of a table is built with the same keys
    if dialect.name == "sqlite":
        stamps = [i for i, c in enumerate(columns) if isinstance(model.__table__.c[c].type, sa.DateTime)]
        if stamps:
            values = [_stamped(list(v), stamps) for v in values]
    connection.exec_driver_sql(sql, values)


def _stamped(row: list[Any], stamps: list[int]) -> tuple[Any, ...]:
    for i in stamps:
        value = row[i]
        if value is not None:
            row[i] = f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"
    return tuple(row)


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


# The big managers each run adds (extra orders on top of their own one), so the End User
# Portal and the vendor's tabs are measured where they can grow: 20,000 extra orders (20,001
# orders, 60,003 licenses) and 2,000 extra; fewer when N is small (at most N // 5 each).
BIG_MANAGERS = (("big", 20_000), ("mid", 2_000))


def big_sizes(managers: int) -> dict[int, tuple[str, int]]:
    """Which managers of a run of ``managers`` are big (their index in the run), their tag and extra orders."""
    return {i: (tag, min(extra, managers // 5)) for i, (tag, extra) in enumerate(BIG_MANAGERS) if i < managers}


def _chunks(start: int, stop: int) -> Iterator[range]:
    for low in range(start, stop, BATCH):
        yield range(low, min(low + BATCH, stop))


class _Rows:
    """The rows of one batch and the next id of each table (ids worked out up front)."""

    def __init__(self, next_ids: dict[Any, int]) -> None:
        self.next_ids = next_ids
        self.tables: dict[Any, list[dict]] = {
            m: [] for m in (LicenseUser, LicenseManager, Order, OrderManager, License, Device)
        }

    def add(self, model, **row) -> int:
        if model in self.next_ids:
            row["id"] = self.next_ids[model]
            self.next_ids[model] += 1
        self.tables[model].append(row)
        return row.get("id", 0)

    def flush(self, counts: dict[str, int]) -> None:
        for model, rows in self.tables.items():
            _insert(model, rows)
            if model is not OrderManager:
                counts[_COUNT_NAMES[model]] += len(rows)
            rows.clear()


_COUNT_NAMES = {
    LicenseUser: "users",
    LicenseManager: "managers",
    Order: "orders",
    License: "licenses",
    Device: "devices",
}


def _order(rows: _Rows, ctx: dict, reference: str, manager_id: int, created: dt.datetime, big: bool) -> None:
    """One order of the manager with a license per policy (and a device on each key-based one)."""
    rng, vendor_id, keys = ctx["rng"], ctx["vendor_id"], ctx["keys"]
    order_id = rows.add(
        Order,
        vendor_account_id=vendor_id,
        reference=reference,
        is_trial=False,
        is_test=False,
        is_bundle=False,
        created_at=created,
    )
    rows.add(OrderManager, order_id=order_id, manager_id=manager_id, created_at=created)
    for policy in ctx["policies"]:
        activated = 0 if policy["max_license_users"] else 1
        # A big manager's orders are a mix, as a real customer's are: some subscriptions end soon.
        ends = ctx["now"] + dt.timedelta(days=rng.randint(1, 400)) if big and rng.random() < 0.3 else None
        license_id = rows.add(
            License,
            vendor_account_id=vendor_id,
            order_id=order_id,
            product_id=policy["product_id"],
            policy_id=policy["id"],
            license_key=license_key(keys),
            license_type="subscription" if ends else "perpetual",
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
            valid_until=ends,
            note="",
            created_at=created,
        )
        if activated:
            rows.add(
                Device,
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


def _manager(rows: _Rows, ctx: dict, n: int, account: int, big: tuple[str, int] | None) -> None:
    """Manager number ``n`` of Scale Co: their license user, a second user, their order(s)."""
    rng, vendor_id, now = ctx["rng"], ctx["vendor_id"], ctx["now"]
    created = now - dt.timedelta(days=rng.randint(0, 729), seconds=rng.randint(0, 86399))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    person = dict(
        vendor_account_id=vendor_id,
        customer_account_id=account,
        phone="",
        is_active=True,
        is_initial_password=False,
        created_at=created,
    )
    local = big[0] if big else f"{first.lower()}.{last.lower()}"
    email = f"{local}.{n}@c{account}.scale.test"
    user_id = rows.add(LicenseUser, email=email, first_name=first, last_name=last, **person)
    rows.add(
        LicenseUser,
        email=f"user.{n}@c{account}.scale.test",
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        **person,
    )
    status = "active" if big else rng.choices(("active", "invited", "disabled"), (80, 15, 5))[0]
    manager_id = rows.add(
        LicenseManager,
        vendor_account_id=vendor_id,
        license_user_id=user_id,
        customer_account_id=account,
        status=status,
        permissions=perms.ALL_BITS
        if big
        else rng.choice((perms.FACTORY_DEFAULT_BITS, perms.ALL_BITS, 0, perms.FACTORY_DEFAULT_BITS)),
        session_version=1,
        invited_at=created,
        created_at=created,
        last_login_at=None
        if status == "invited"
        else now - dt.timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86399)),
    )
    _order(rows, ctx, f"SC-{n + 1:07d}", manager_id, created, big is not None)
    for j in range(big[1] if big else 0):
        placed = now - dt.timedelta(days=rng.randint(0, 729), seconds=rng.randint(0, 86399))
        _order(rows, ctx, f"SC-{n + 1:07d}-{j + 1:05d}", manager_id, placed, True)


def load(managers: int) -> dict[str, int]:
    """Add ``managers`` managers to Scale Co (the first ones big, see ``BIG_MANAGERS``); their counts by table."""
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
        now = utcnow().replace(microsecond=0)
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
        rows = _Rows({m: _next_id(m) for m in (LicenseUser, LicenseManager, Order, License, Device)})
        ctx = dict(
            rng=random.Random(managers),
            # Keys as issuing makes them, from a source seeded by where this run starts, so a second
            # run (which starts further on) does not draw the keys of the first again.
            keys=random.Random(rows.next_ids[License]),
            vendor_id=vendor_id,
            policies=policies,
            now=now,
        )
        big = big_sizes(managers)
        counts = dict.fromkeys(("managers", "users", "orders", "licenses", "devices"), 0)
        with db_triggers.suspended(db.session.connection(), db.metadata):
            for chunk in _chunks(0, managers):
                for i in chunk:
                    _manager(rows, ctx, existing + i, first_account + i // MANAGERS_PER_CUSTOMER_ACCOUNT, big.get(i))
                    if len(rows.tables[License]) >= 3 * BATCH:
                        rows.flush(counts)
                rows.flush(counts)
        advance_sequences()
        db.session.commit()
    return counts


def advance_sequences() -> None:
    """Move PostgreSQL's id sequences past the ids written here, so the next INSERT does not collide."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite takes max(id) + 1 on its own
    for table in db.metadata.sorted_tables:
        id_column = table.c.get("id")
        if id_column is None or not id_column.autoincrement or not isinstance(id_column.type, sa.Integer):
            continue
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
