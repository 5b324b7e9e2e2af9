"""The demo data of CONTRACT.md: two vendors, their customers, orders, licenses and managers."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from portal import permissions as perms
from portal.extensions import db
from portal.models import (
    AuditEvent,
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
from portal.models.account import ADMIN, OWNER, SUPPORT
from portal.passwords import hash_password
from portal.seed.builders import FIRST_NAMES, LAST_NAMES, device_for, license_from_policy, license_key
from portal.tenancy import set_tenant

PASSWORD = "demo-password"

SIGN_INS = [
    ("Vendor platform", "http://127.0.0.1:5000/vendor/login", "admin@acme.test", "Acme Software owner"),
    ("Vendor platform", "http://127.0.0.1:5000/vendor/login", "staffadmin@acme.test", "Acme Software admin"),
    ("Vendor platform", "http://127.0.0.1:5000/vendor/login", "support@acme.test", "Acme Software support"),
    ("Vendor platform", "http://127.0.0.1:5000/vendor/login", "admin@initech.test", "Initech Tools owner"),
    ("End User Portal", "http://127.0.0.1:5000/portal/login", "full@globex.test", "every permission"),
    ("End User Portal", "http://127.0.0.1:5000/portal/login", "limited@globex.test", "no permissions"),
    ("End User Portal", "http://127.0.0.1:5000/portal/login", "lm@umbrella.test", "the default set"),
    ("End User Portal", "http://127.0.0.1:5000/portal/login", "lm@hooli.test", "Initech's customer"),
]


class Builder:
    """Creates one vendor's data with a seeded random source, so every run is the same."""

    def __init__(self, vendor: VendorAccount, rng: random.Random, password_hash: str):
        self.vendor = vendor
        self.rng = rng
        self.password_hash = password_hash
        self.now = utcnow().replace(microsecond=0)
        self.user_count = 0
        set_tenant(db.session, vendor.id)

    def days_ago(self, low: int, high: int) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439))

    def add(self, obj):
        db.session.add(obj)
        return obj

    def staff(self, email: str, name: str, role: str) -> StaffUser:
        return self.add(
            StaffUser(
                email=email,
                name=name,
                role=role,
                password_hash=self.password_hash,
                created_at=self.days_ago(700, 730),
            )
        )

    def customer_account(self, name: str, code: str) -> CustomerAccount:
        return self.add(CustomerAccount(name=name, code=code, created_at=self.days_ago(650, 700)))

    def customer(self, account: CustomerAccount, email: str, first: str, last: str, company: str) -> Customer:
        return self.add(
            Customer(
                customer_account_id=account.id,
                email=email,
                first_name=first,
                last_name=last,
                company=company,
                phone=f"+1 555 01{self.rng.randint(10, 99)}",
                reference=f"CRM-{self.rng.randint(10000, 99999)}",
            )
        )

    def product(self, name: str, code: str, method: str, floating: bool = False) -> Product:
        return self.add(
            Product(
                name=name,
                code=code,
                authorization_method=method,
                floating_enabled=floating,
                floating_timeout_minutes=30,
                created_at=self.days_ago(720, 730),
            )
        )

    def policy(self, product: Product, name: str, code: str, **fields) -> LicensePolicy:
        return self.add(LicensePolicy(product_id=product.id, name=name, code=code, **fields))

    def user(
        self,
        account: CustomerAccount | None,
        domain: str,
        first: str | None = None,
        last: str | None = None,
        email: str | None = None,
    ) -> LicenseUser:
        self.user_count += 1
        first = first or self.rng.choice(FIRST_NAMES)
        last = last or self.rng.choice(LAST_NAMES)
        email = email or f"{first.lower()}.{last.lower()}{self.user_count}@{domain}"
        return self.add(
            LicenseUser(
                customer_account_id=account.id if account else None,
                email=email,
                first_name=first,
                last_name=last,
                created_at=self.days_ago(30, 600),
                last_login_at=self.days_ago(0, 25) if self.rng.random() < 0.7 else None,
            )
        )

    def manager(
        self, account: CustomerAccount, email: str, first: str, last: str, bits: int, status: str = "active"
    ) -> LicenseManager:
        user = self.user(account, email.split("@")[1], first, last, email)
        user.password_hash = self.password_hash if status != "invited" else None
        db.session.flush()
        created = self.days_ago(200, 600)
        return self.add(
            LicenseManager(
                license_user_id=user.id,
                license_user=user,
                customer_account_id=account.id,
                status=status,
                permissions=bits,
                invited_at=created,
                # The demo's invitations went out long ago: their links have lapsed.
                invitation_expires_at=created + dt.timedelta(hours=72),
                created_at=created,
                last_login_at=self.days_ago(0, 10) if status == "active" else None,
            )
        )

    def scope(
        self,
        manager: LicenseManager,
        products: list[Product],
        policies: list[LicensePolicy],
        caps: dict[int, int] | None = None,
    ) -> None:
        for product in products:
            self.add(ManagerProduct(manager_id=manager.id, product_id=product.id, cap=(caps or {}).get(product.id)))
        for policy in policies:
            self.add(ManagerPolicy(manager_id=manager.id, policy_id=policy.id))

    def order(self, reference: str, customer: Customer, managers: list[LicenseManager], bundle: bool = False) -> Order:
        order = self.add(
            Order(reference=reference, customer_id=customer.id, is_bundle=bundle, created_at=self.days_ago(30, 700))
        )
        db.session.flush()
        for manager in managers:
            self.add(OrderManager(order_id=order.id, manager_id=manager.id, created_at=order.created_at))
        return order

    def licenses(
        self,
        order: Order,
        product: Product,
        policy: LicensePolicy,
        count: int,
        devices: int = 0,
        host_prefix: str = "WS",
        **fields,
    ) -> list[License]:
        made = []
        for _ in range(count):
            created = order.created_at + dt.timedelta(hours=self.rng.randint(0, 72))
            lic = self.add(
                license_from_policy(
                    product,
                    policy,
                    created,
                    order_id=order.id,
                    license_key=license_key(self.rng) if product.authorization_method == "key" else None,
                    **fields,
                )
            )
            want = min(devices, lic.max_activations if lic.max_activations is not None else devices)
            for _ in range(want):
                # Activations spread from the license's creation until now, some of them recent.
                span_days = max((self.now - created).days, 1)
                first = created + dt.timedelta(days=self.rng.randint(0, span_days))
                host = f"{host_prefix}-{self.rng.randint(100, 999)}"
                self.add(
                    device_for(
                        lic, self.rng, host.lower() if self.rng.random() < 0.5 else host, self.now, min(first, self.now)
                    )
                )
            lic.times_activated = want
            if want:
                lic.status = "active"
            made.append(lic)
        return made

    def issued_by(self, manager: LicenseManager, licenses: list[License]) -> None:
        """Record licenses as issued by a manager, counted against their product caps."""
        for lic in licenses:
            lic.issued_by_manager_id = manager.id
        db.session.flush()
        for lic in licenses:
            db.session.execute(
                sa.update(ManagerProduct)
                .where(ManagerProduct.manager_id == manager.id, ManagerProduct.product_id == lic.product_id)
                .values(issued=ManagerProduct.issued + 1)
            )

    def assign(self, lic: License, users: list[LicenseUser]) -> None:
        for user in users:
            self.add(
                LicenseAssignment(
                    license=lic, license_user_id=user.id, created_at=lic.created_at + dt.timedelta(days=1)
                )
            )
        lic.assigned_users = len(users)
        if users:
            lic.status = "active"

    def float_seats(self, lic: License, in_use: int, borrowed: int = 0) -> None:
        """Mark seats of a floating license held now, one of them perhaps for days (stuck)."""
        devices = list(db.session.scalars(sa.select(Device).where(Device.license_id == lic.id).order_by(Device.id)))
        for i, device in enumerate(devices[:in_use]):
            device.floating_in_use = True
            hours = 50 if i == 0 else self.rng.randint(0, 5)  # the first one looks stuck
            device.floating_since = self.now - dt.timedelta(hours=hours, minutes=self.rng.randint(1, 59))
            device.last_check_in_at = device.floating_since
            if i < borrowed:
                device.borrowed_until = self.now + dt.timedelta(hours=24)
        lic.floating_in_use = min(in_use, len(devices))

    def group(
        self, account: CustomerAccount, code: str, name: str, members: list[LicenseUser], managers: list[LicenseManager]
    ) -> UserGroup:
        group = self.add(
            UserGroup(customer_account_id=account.id, code=code, name=name, description=f"{name} at {account.name}")
        )
        db.session.flush()
        for user in members:
            self.add(UserGroupMember(user_group_id=group.id, license_user_id=user.id))
        for manager in managers:
            self.add(UserGroupManager(user_group_id=group.id, manager_id=manager.id))
        return group


def _acme(password_hash: str) -> None:
    vendor = db.session.scalars(sa.select(VendorAccount).where(VendorAccount.name == "Acme Software")).one()
    b = Builder(vendor, random.Random(20261128), password_hash)
    b.staff("admin@acme.test", "Avery Admin", OWNER)
    b.staff("staffadmin@acme.test", "Stacy Staffadmin", ADMIN)
    b.staff("support@acme.test", "Sam Support", SUPPORT)
    globex = b.customer_account("Globex", "GLOBEX")
    umbrella = b.customer_account("Umbrella", "UMBRELLA")
    db.session.flush()
    hank = b.customer(globex, "hank.scorpio@globex.test", "Hank", "Scorpio", "Globex Corporation")
    frank = b.customer(globex, "frank.grimes@globex.test", "Frank", "Grimes", "Globex Corporation")
    alice = b.customer(umbrella, "alice.abernathy@umbrella.test", "Alice", "Abernathy", "Umbrella Corp")

    cad = b.product("Acme CAD", "acme-cad", "key")
    studio = b.product("Acme Cloud Studio", "cloud-studio", "user")
    render = b.product("Acme Render Farm", "render-farm", "key", floating=True)
    db.session.flush()
    cad_perpetual = b.policy(
        cad, "CAD Perpetual (3 devices)", "cad-perpetual", license_type="perpetual", max_activations=3, transfer_limit=5
    )
    cad_annual = b.policy(
        cad, "CAD Annual Subscription", "cad-annual", license_type="subscription", max_activations=2, validity_days=365
    )
    cad_trial = b.policy(
        cad,
        "CAD 30-day Trial",
        "cad-trial",
        license_type="time-limited",
        is_trial=True,
        trial_days=30,
        validity_days=30,
        max_activations=1,
    )
    studio_team = b.policy(
        studio,
        "Studio Team (10 seats)",
        "studio-team-10",
        license_type="subscription",
        max_activations=None,
        max_license_users=10,
        validity_days=365,
    )
    studio_small = b.policy(
        studio,
        "Studio Starter (3 seats)",
        "studio-starter-3",
        license_type="subscription",
        max_activations=None,
        max_license_users=3,
        validity_days=365,
    )
    render_float = b.policy(
        render,
        "Render Floating (5 seats)",
        "render-floating-5",
        license_type="perpetual",
        max_activations=10,
        is_floating=True,
        floating_seats=5,
        max_borrow_hours=72,
    )
    render_credits = b.policy(
        render,
        "Render Credits (1,000 frames)",
        "render-credits",
        license_type="consumption",
        max_activations=2,
        max_consumptions=1000,
    )
    db.session.flush()
    all_policies = [cad_perpetual, cad_annual, cad_trial, studio_team, studio_small, render_float, render_credits]
    db.session.add(DefaultPermissionSet(permissions=perms.FACTORY_DEFAULT_BITS))

    full = b.manager(globex, "full@globex.test", "Fiona", "Fuller", perms.ALL_BITS)
    limited = b.manager(globex, "limited@globex.test", "Liam", "Little", 0)
    lm_umbrella = b.manager(umbrella, "lm@umbrella.test", "Uma", "Brella", perms.FACTORY_DEFAULT_BITS)
    invited = b.manager(
        umbrella, "new.manager@umbrella.test", "Ines", "Vite", perms.FACTORY_DEFAULT_BITS, status="invited"
    )
    db.session.flush()
    b.scope(full, [cad, studio, render], all_policies)
    b.scope(lm_umbrella, [cad, studio], [cad_perpetual, cad_annual, studio_small], caps={cad.id: 20})
    b.scope(invited, [cad], [cad_perpetual])

    glx_users = [b.user(globex, "globex.test") for _ in range(22)]
    umb_users = [b.user(umbrella, "umbrella.test") for _ in range(14)]
    db.session.flush()

    # Globex: every order managed by full@; GLX-1001 also by limited@ (it holds 5 licenses).
    o1 = b.order("GLX-1001", hank, [full, limited])
    b.licenses(o1, cad, cad_perpetual, 4, devices=3, host_prefix="GLX-WS")
    b.licenses(o1, cad, cad_trial, 3, devices=0)
    o2 = b.order("GLX-1002", frank, [full])
    team = b.licenses(o2, studio, studio_team, 1)[0]
    b.assign(team, glx_users[:4])
    small = b.licenses(o2, studio, studio_small, 2)
    b.assign(small[0], glx_users[4:7])
    b.assign(small[1], glx_users[7:8])
    o3 = b.order("GLX-1003", hank, [full])
    floats = b.licenses(o3, render, render_float, 2, devices=6, host_prefix="render-node")
    db.session.flush()
    b.float_seats(floats[0], 4, borrowed=1)
    b.float_seats(floats[1], 2)
    b.licenses(o3, render, render_credits, 2, devices=2, host_prefix="render-node", consumptions=340)
    o4 = b.order("GLX-1004", frank, [full], bundle=True)
    annual = b.licenses(o4, cad, cad_annual, 6, devices=2, host_prefix="GLX-LT")
    for lic, days in zip(annual, (6, 19, 27), strict=False):  # renewals coming up on the dashboard
        lic.valid_until = b.now + dt.timedelta(days=days)
    b.licenses(o4, render, render_float, 1, devices=3, host_prefix="render-node")
    b.licenses(o4, studio, studio_small, 1)
    o5 = b.order("GLX-1005", hank, [full])
    b.issued_by(full, b.licenses(o5, cad, cad_perpetual, 14, devices=2, host_prefix="GLX-ENG"))
    disabled = b.licenses(o5, cad, cad_annual, 1, devices=1, host_prefix="GLX-OLD")[0]
    disabled.status_before_disable, disabled.status = disabled.status, "disabled"

    # Umbrella: managed by lm@umbrella.test.
    u1 = b.order("UMB-2001", alice, [lm_umbrella])
    b.issued_by(lm_umbrella, b.licenses(u1, cad, cad_perpetual, 8, devices=2, host_prefix="UMB-LAB"))
    u2 = b.order("UMB-2002", alice, [lm_umbrella])
    uteam = b.licenses(u2, studio, studio_team, 1)[0]
    b.assign(uteam, umb_users[:6])
    b.licenses(u2, studio, studio_small, 2)
    u3 = b.order("UMB-2003", alice, [lm_umbrella, invited])
    field = b.licenses(u3, cad, cad_annual, 6, devices=1, host_prefix="UMB-FIELD")
    field[0].valid_until = b.now + dt.timedelta(days=11)
    b.licenses(u3, render, render_float, 1, devices=4, host_prefix="umb-render")
    db.session.flush()

    b.group(globex, "GLX-ENG", "Engineering", glx_users[:8], [full])
    b.group(globex, "GLX-DESIGN", "Design studio", glx_users[8:14], [full, limited])
    b.group(umbrella, "UMB-LAB", "Research lab", umb_users[:7], [lm_umbrella])
    db.session.add(
        AuditEvent(
            actor_type="system",
            actor_label="system",
            action="account.seeded",
            object_type="vendor_account",
            object_id=vendor.id,
            object_label=vendor.name,
            created_at=b.now,
        )
    )


def _initech(password_hash: str) -> None:
    vendor = db.session.scalars(sa.select(VendorAccount).where(VendorAccount.name == "Initech Tools")).one()
    b = Builder(vendor, random.Random(1999), password_hash)
    b.staff("admin@initech.test", "Bill Lumbergh", OWNER)
    hooli = b.customer_account("Hooli", "HOOLI")
    piper = b.customer_account("Pied Piper", "PIEDPIPER")
    db.session.flush()
    gavin = b.customer(hooli, "gavin@hooli.test", "Gavin", "Belson", "Hooli")
    richard = b.customer(piper, "richard@piedpiper.test", "Richard", "Hendricks", "Pied Piper")
    tps = b.product("TPS Report Suite", "tps-suite", "key")
    stapler = b.product("Stapler Cloud", "stapler-cloud", "user")
    db.session.flush()
    tps_std = b.policy(tps, "TPS Standard", "tps-standard", license_type="perpetual", max_activations=2)
    stapler_team = b.policy(
        stapler,
        "Stapler Team (5 seats)",
        "stapler-team",
        license_type="subscription",
        max_activations=None,
        max_license_users=5,
        validity_days=365,
    )
    db.session.flush()
    db.session.add(DefaultPermissionSet(permissions=perms.FACTORY_DEFAULT_BITS))
    lm = b.manager(hooli, "lm@hooli.test", "Henry", "Ooli", perms.FACTORY_DEFAULT_BITS)
    db.session.flush()
    b.scope(lm, [tps, stapler], [tps_std, stapler_team])
    hooli_users = [b.user(hooli, "hooli.test") for _ in range(6)]
    db.session.flush()
    i1 = b.order("INI-3001", gavin, [lm])
    b.licenses(i1, tps, tps_std, 5, devices=2, host_prefix="HOOLI-PC")
    i2 = b.order("INI-3002", gavin, [lm])
    team = b.licenses(i2, stapler, stapler_team, 1)[0]
    b.assign(team, hooli_users[:3])
    b.order("INI-3003", richard, [])
    b.group(hooli, "HOOLI-XYZ", "Hooli XYZ", hooli_users[:3], [lm])


def load(reset: bool = False) -> bool:
    """Load the demo data; return False (and change nothing) if a vendor account exists."""
    from portal.tenancy import all_tenants

    with all_tenants(db.session):
        if db.session.scalar(sa.select(VendorAccount.id).limit(1)) is not None:
            if not reset:
                return False
            db.session.execute(sa.delete(VendorAccount))
            db.session.flush()
        password_hash = hash_password(PASSWORD)
        db.session.add_all([VendorAccount(name="Acme Software"), VendorAccount(name="Initech Tools")])
        db.session.flush()
    _acme(password_hash)
    _initech(password_hash)
    set_tenant(db.session, None)
    db.session.commit()
    return True
