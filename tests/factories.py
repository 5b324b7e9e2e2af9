"""Factory functions for tests: each makes one row (and what it needs) and returns it.

Objects come back detached but loaded (expire_on_commit is off), so tests can read their
ids and fields. Every factory takes the vendor account explicitly: tests say whose data
they make.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from flask import Flask

from portal import permissions as perms
from portal.extensions import db
from portal.models import (
    Customer,
    CustomerAccount,
    DefaultPermissionSet,
    Device,
    License,
    LicenseAssignment,
    LicenseManager,
    LicensePolicy,
    LicenseUser,
    ManagerPolicy,
    ManagerProduct,
    Order,
    OrderManager,
    Product,
    StaffUser,
    UserGroup,
    UserGroupManager,
    UserGroupMember,
    VendorAccount,
    utcnow,
)
from portal.passwords import hash_password
from portal.services.orders.license_keys import license_from_policy, license_key
from portal.tenancy import all_tenants, set_tenant

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


class Factory:
    def __init__(self, app: Flask):
        self.app = app
        self.rng = random.Random(7)

    def _save(self, vendor_id: int | None, *objects):
        with self.app.app_context():
            set_tenant(db.session, vendor_id)
            with all_tenants(db.session):
                db.session.add_all(objects)
                db.session.commit()
            return objects[0] if len(objects) == 1 else objects

    def vendor(self, name: str | None = None, default_permissions: int | None = None) -> VendorAccount:
        vendor = self._save(None, VendorAccount(name=name or f"Vendor {_n()}"))
        self._save(
            vendor.id,
            DefaultPermissionSet(
                vendor_account_id=vendor.id,
                permissions=perms.FACTORY_DEFAULT_BITS if default_permissions is None else default_permissions,
            ),
        )
        return vendor

    def hash(self, password: str) -> str:
        """Hash with the app's (cheap, in tests) argon2 settings."""
        with self.app.app_context():
            return hash_password(password)

    def staff(
        self, vendor: VendorAccount, email: str | None = None, password: str = PASSWORD, role: str = "owner"
    ) -> StaffUser:
        return self._save(
            vendor.id,
            StaffUser(
                vendor_account_id=vendor.id,
                email=email or f"staff{_n()}@vendor.test",
                name="Staff Person",
                role=role,
                password_hash=self.hash(password),
            ),
        )

    def customer_account(self, vendor: VendorAccount, name: str | None = None) -> CustomerAccount:
        n = _n()
        return self._save(
            vendor.id, CustomerAccount(vendor_account_id=vendor.id, name=name or f"Customer account {n}", code=f"CA{n}")
        )

    def customer(self, vendor: VendorAccount, account: CustomerAccount | None = None) -> Customer:
        return self._save(
            vendor.id,
            Customer(
                vendor_account_id=vendor.id,
                customer_account_id=account.id if account else None,
                email=f"customer{_n()}@customer.test",
                company="Customer Co",
            ),
        )

    def product(
        self, vendor: VendorAccount, method: str = "key", floating: bool = False, name: str | None = None
    ) -> Product:
        n = _n()
        return self._save(
            vendor.id,
            Product(
                vendor_account_id=vendor.id,
                name=name or f"Product {n}",
                code=f"product-{n}",
                authorization_method=method,
                floating_enabled=floating,
            ),
        )

    def policy(self, product: Product, **fields) -> LicensePolicy:
        n = _n()
        values = dict(name=f"Policy {n}", code=f"policy-{n}", license_type="perpetual", max_activations=3)
        if product.authorization_method == "user":
            values.update(max_activations=None, max_license_users=5)
        values.update(fields)
        return self._save(
            product.vendor_account_id,
            LicensePolicy(vendor_account_id=product.vendor_account_id, product_id=product.id, **values),
        )

    def license_user(
        self, vendor: VendorAccount, email: str | None = None, account: CustomerAccount | None = None, **fields
    ) -> LicenseUser:
        return self._save(
            vendor.id,
            LicenseUser(
                vendor_account_id=vendor.id,
                email=email or f"user{_n()}@customer.test",
                customer_account_id=account.id if account else None,
                first_name=fields.pop("first_name", "Test"),
                last_name=fields.pop("last_name", f"User{_n()}"),
                **fields,
            ),
        )

    def manager(
        self,
        vendor: VendorAccount,
        email: str | None = None,
        permissions=(),
        account: CustomerAccount | None = None,
        status: str = "active",
        password: str | None = PASSWORD,
        orders=(),
        products=(),
        policies=(),
        caps: dict | None = None,
    ) -> LicenseManager:
        """A manager with permission codes (or "all"), scope and orders."""
        bits = perms.ALL_BITS if permissions == "all" else perms.to_bits(permissions)
        user = self.license_user(
            vendor, email=email, account=account, password_hash=self.hash(password) if password else None
        )
        manager = self._save(
            vendor.id,
            LicenseManager(
                vendor_account_id=vendor.id,
                license_user_id=user.id,
                customer_account_id=account.id if account else None,
                status=status,
                permissions=bits,
                created_at=utcnow(),
            ),
        )
        for order in orders:
            self.assign(manager, order)
        for product in products:
            self._save(
                vendor.id,
                ManagerProduct(manager_id=manager.id, product_id=product.id, cap=(caps or {}).get(product.id)),
            )
        for policy in policies:
            self._save(vendor.id, ManagerPolicy(manager_id=manager.id, policy_id=policy.id))
        manager.license_user = user
        return manager

    def assign(self, manager: LicenseManager, order: Order) -> None:
        self._save(manager.vendor_account_id, OrderManager(order_id=order.id, manager_id=manager.id))

    def order(
        self,
        vendor: VendorAccount,
        customer: Customer | None = None,
        managers=(),
        reference: str | None = None,
        **fields,
    ) -> Order:
        order = self._save(
            vendor.id,
            Order(
                vendor_account_id=vendor.id,
                reference=reference or f"ORD-{_n():05d}",
                customer_id=customer.id if customer else None,
                **fields,
            ),
        )
        for manager in managers:
            self.assign(manager, order)
        return order

    def license(self, order: Order, policy: LicensePolicy, **fields) -> License:
        """A license of the order made as issuing makes it (key, limits from the policy); fields override."""
        with self.app.app_context(), all_tenants(db.session):
            product = db.session.get(Product, policy.product_id)
        fields.setdefault("license_key", license_key(self.rng))
        created_at = fields.pop("created_at", utcnow())
        license_ = license_from_policy(product, policy, created_at, order_id=order.id, **fields)
        license_.vendor_account_id = order.vendor_account_id
        return self._save(order.vendor_account_id, license_)

    def device(self, license_: License, hostname: str | None = None, count: bool = True, **fields) -> Device:
        """An active device on the license; counts toward times_activated unless count=False."""
        now = utcnow()
        device = Device(
            vendor_account_id=license_.vendor_account_id,
            license_id=license_.id,
            hardware_id=f"{self.rng.getrandbits(64):016x}",
            hostname=hostname or f"host-{_n()}",
            os="Debian 12",
            **{"first_activated_at": now - dt.timedelta(days=3), "last_check_in_at": now, **fields},
        )
        with self.app.app_context():
            set_tenant(db.session, license_.vendor_account_id)
            db.session.add(device)
            if count:
                lic = db.session.get(License, license_.id)
                lic.times_activated += 1
                lic.status = "active"
                if device.floating_in_use:
                    lic.floating_in_use += 1
            db.session.commit()
        return device

    def assignment(self, license_: License, user: LicenseUser) -> LicenseAssignment:
        with self.app.app_context():
            set_tenant(db.session, license_.vendor_account_id)
            row = LicenseAssignment(
                vendor_account_id=license_.vendor_account_id, license_id=license_.id, license_user_id=user.id
            )
            db.session.add(row)
            lic = db.session.get(License, license_.id)
            lic.assigned_users += 1
            lic.status = "active"
            db.session.commit()
            return row

    def user_group(
        self,
        vendor: VendorAccount,
        members=(),
        managers=(),
        account: CustomerAccount | None = None,
        name: str | None = None,
    ) -> UserGroup:
        n = _n()
        group = self._save(
            vendor.id,
            UserGroup(
                vendor_account_id=vendor.id,
                code=f"G{n}",
                name=name or f"Group {n}",
                customer_account_id=account.id if account else None,
            ),
        )
        for user in members:
            self._save(vendor.id, UserGroupMember(user_group_id=group.id, license_user_id=user.id))
        for manager in managers:
            self._save(vendor.id, UserGroupManager(user_group_id=group.id, manager_id=manager.id))
        return group

    def world(self) -> dict:
        """A small vendor with a customer, products, policies, an order and a manager on it."""
        vendor = self.vendor()
        account = self.customer_account(vendor)
        customer = self.customer(vendor, account)
        key_product = self.product(vendor, "key")
        user_product = self.product(vendor, "user")
        key_policy = self.policy(key_product)
        user_policy = self.policy(user_product)
        order = self.order(vendor, customer)
        return dict(
            vendor=vendor,
            account=account,
            customer=customer,
            key_product=key_product,
            user_product=user_product,
            key_policy=key_policy,
            user_policy=user_policy,
            order=order,
        )
