"""The demo data of CONTRACT.md, the scale data and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import permissions as perms
from portal.extensions import db
from portal.models import (
    CustomerAccount,
    Device,
    License,
    LicenseManager,
    LicensePolicy,
    LicenseUser,
    Order,
    OrderManager,
    Product,
    StaffUser,
    TenantOwned,
    UserGroup,
    VendorAccount,
)
from portal.tenancy import all_tenants, set_tenant


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    return result


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def manager_by_email(email):
    return db.session.scalar(
        sa.select(LicenseManager)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .where(LicenseUser.email == email)
    )


def test_demo_totals(app, demo):
    with app.app_context(), all_tenants(db.session):
        assert count(Order) >= 10
        assert count(License) >= 60
        assert count(Device) >= 100
        assert count(LicenseUser) >= 40
        assert count(UserGroup) >= 3
        assert {v.name for v in db.session.scalars(sa.select(VendorAccount))} == {"Acme Software", "Initech Tools"}
        assert count(StaffUser, StaffUser.email.in_(["admin@acme.test", "admin@initech.test"])) == 2


def test_demo_managers_as_the_contract_says(app, demo):
    with app.app_context(), all_tenants(db.session):
        full = manager_by_email("full@globex.test")
        limited = manager_by_email("limited@globex.test")
        umbrella = manager_by_email("lm@umbrella.test")
        assert full.permissions == perms.ALL_BITS
        assert limited.permissions == 0
        assert umbrella.permissions == perms.FACTORY_DEFAULT_BITS
        assert count(LicenseManager, LicenseManager.status == "invited", LicenseManager.last_login_at.is_(None)) >= 1
        globex_orders = count(Order, Order.reference.like("GLX-%"))
        assert count(OrderManager, OrderManager.manager_id == full.id) == globex_orders
        limited_orders = db.session.scalars(
            sa.select(OrderManager.order_id).where(OrderManager.manager_id == limited.id)
        ).all()
        assert len(limited_orders) == 1
        assert count(License, License.order_id == limited_orders[0]) >= 3
        managed = sa.select(OrderManager.order_id).where(OrderManager.manager_id == full.id)
        in_globex = License.order_id.in_(managed)
        assert count(License, in_globex, License.max_license_users == 10, License.assigned_users == 4) >= 1
        assert count(License, in_globex, License.license_key.is_not(None), License.times_activated > 0) >= 1
        assert count(License, in_globex, License.is_floating, License.floating_in_use > 0) >= 1
        assert manager_by_email("lm@hooli.test").vendor_account_id != full.vendor_account_id


@pytest.mark.parametrize(
    "side, email",
    [
        ("vendor", "admin@acme.test"),
        ("vendor", "admin@initech.test"),
        ("portal", "full@globex.test"),
        ("portal", "limited@globex.test"),
        ("portal", "lm@umbrella.test"),
        ("portal", "lm@hooli.test"),
    ],
)
def test_every_demo_sign_in_works(client, demo, side, email):
    response = client.post(f"/{side}/login", data={"email": email, "password": "demo-password"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/{side}/")


def test_the_two_demo_vendors_see_nothing_of_each_other(app, demo):
    with app.app_context():
        vendors = db.session.scalars(sa.select(VendorAccount)).all()
        assert {v.name for v in vendors} == {"Acme Software", "Initech Tools"}  # not vacuous: both are there
        for vendor in vendors:
            set_tenant(db.session, vendor.id)
            for mapper in db.Model.registry.mappers:
                model = mapper.class_
                if issubclass(model, TenantOwned):
                    owners = set(db.session.scalars(sa.select(model.vendor_account_id).distinct()))
                    assert owners <= {vendor.id}, model.__name__
            # Each vendor sees data of its own: customers, orders, licenses and managers.
            for model in (CustomerAccount, Order, License, LicenseManager):
                assert count(model) > 0, (vendor.name, model.__name__)


def test_seed_demo_refuses_a_second_time_unless_reset(app, demo):
    runner = app.test_cli_runner()
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code != 0
    assert "already holds" in again.output
    assert runner.invoke(args=["seed", "demo", "--if-empty"]).exit_code == 0
    reset = runner.invoke(args=["seed", "demo", "--reset"])
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        assert count(VendorAccount) == 2


def test_seed_scale_creates_managers_with_their_data(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "scale", "--managers", "250"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["seed", "scale", "--managers", "50"])
    assert result.exit_code == 0, result.output
    with app.app_context(), all_tenants(db.session):
        scale = db.session.scalar(sa.select(VendorAccount).where(VendorAccount.name == "Scale Co"))
        assert count(LicenseManager, LicenseManager.vendor_account_id == scale.id) == 300
        # One order each, and the first two managers of each run big: 250 // 5 and 50 // 5 more orders.
        assert count(Order, Order.vendor_account_id == scale.id) == 300 + 2 * 50 + 2 * 10
        assert count(License, License.vendor_account_id == scale.id) == 3 * 420
        assert count(Device, Device.vendor_account_id == scale.id) == 2 * 420
        big = manager_email_like("big.%")
        assert [count(OrderManager, OrderManager.manager_id == m.id) for m in big] == [51, 11]
        assert [m.status for m in big] == ["active", "active"]
        assert [count(OrderManager, OrderManager.manager_id == m.id) for m in manager_email_like("mid.%")] == [51, 11]
        mine = License.order_id.in_(sa.select(OrderManager.order_id).where(OrderManager.manager_id == big[0].id))
        assert count(License, mine, License.license_type == "subscription", License.valid_until.is_not(None)) > 0
        # Loaded with the kept values' triggers set aside, then filled once: the values are what they count.
        assert [(m.order_count, m.license_count) for m in big] == [(51, 3 * 51), (11, 3 * 11)]
        user = db.session.get(LicenseUser, big[0].license_user_id)
        assert big[0].search_text.startswith(f"{user.first_name.lower()} {user.last_name.lower()} {user.email} ")
        assert scale.manager_count == 300
    response = app.test_client().post("/vendor/login", data={"email": "admin@scale.test", "password": "demo-password"})
    assert response.status_code == 303
    with app.app_context(), all_tenants(db.session):
        assert db.session.scalar(sa.select(StaffUser.role).where(StaffUser.email == "admin@scale.test")) == "owner"


def manager_email_like(pattern):
    return db.session.scalars(
        sa.select(LicenseManager)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .where(LicenseUser.email.like(pattern))
        .order_by(LicenseManager.id)
    ).all()


def test_rows_added_after_seed_scale_take_fresh_ids(app, make, client, login):
    """seed scale writes its own ids; on PostgreSQL it must move the sequences past them."""
    assert app.test_cli_runner().invoke(args=["seed", "scale", "--managers", "20"]).exit_code == 0
    with app.app_context(), all_tenants(db.session):
        highest = {m: db.session.scalar(sa.select(sa.func.max(m.id))) for m in (Order, License, LicenseManager)}
    vendor = make.vendor()
    product = make.product(vendor)
    order = make.order(vendor)
    license_ = make.license(order, make.policy(product))
    manager = make.manager(vendor, orders=[order])
    assert order.id > highest[Order] and license_.id > highest[License] and manager.id > highest[LicenseManager]
    with app.app_context(), all_tenants(db.session):  # the triggers the seed set aside keep values again
        kept = db.session.get(LicenseManager, manager.id)
        assert (kept.order_count, kept.license_count) == (1, 1)
        assert db.session.get(VendorAccount, vendor.id).manager_count == 1
    # The big manager's dashboard opens.
    with app.app_context(), all_tenants(db.session):
        big = manager_email_like("big.%")[0]
    login(big)
    assert client.get("/portal/").status_code == 200


def test_seed_sign_ins_and_the_readme_list_every_demo_sign_in(app):
    from portal.seed.demo import SIGN_INS

    result = app.test_cli_runner().invoke(args=["seed", "sign-ins"])
    assert result.exit_code == 0, result.output
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Demo sign-ins", 1)[1].split("\n## ", 1)[0]
    emails = [email for _, _, email, _ in SIGN_INS]
    assert {"staffadmin@acme.test", "support@acme.test"} <= set(emails)
    assert [e for e in emails if e not in result.output] == []
    assert [e for e in emails if f"`{e}`" not in section] == []


def test_create_staff(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-staff", "New@Vendor.test", "--account", "New Vendor"], input="a long password\na long password\n"
    )
    assert result.exit_code == 0, result.output
    response = app.test_client().post("/vendor/login", data={"email": "new@vendor.test", "password": "a long password"})
    assert response.status_code == 303
    again = runner.invoke(args=["create-staff", "new@vendor.test", "--account", "New Vendor"], input="x\nx\n")
    assert again.exit_code != 0


def vendor_named(name):
    return db.session.scalar(sa.select(VendorAccount).where(VendorAccount.name == name))


def test_demo_vendors_customers_and_products_as_the_contract_says(app, demo):
    with app.app_context(), all_tenants(db.session):
        acme, initech = vendor_named("Acme Software"), vendor_named("Initech Tools")
        assert acme is not None and initech is not None
        acme_customers = set(
            db.session.scalars(sa.select(CustomerAccount.name).where(CustomerAccount.vendor_account_id == acme.id))
        )
        assert {"Globex", "Umbrella"} <= acme_customers
        assert count(CustomerAccount, CustomerAccount.vendor_account_id == initech.id) >= 1
        assert count(Order, Order.vendor_account_id == initech.id) >= 1
        products = db.session.scalars(sa.select(Product).where(Product.vendor_account_id == acme.id)).all()
        assert any(p.authorization_method == "key" and not p.floating_enabled for p in products)
        assert any(p.authorization_method == "user" for p in products)
        assert any(p.floating_enabled for p in products)
        for product in products:
            assert count(LicensePolicy, LicensePolicy.product_id == product.id) >= 1, product.name
        staff = {s.email: s.vendor_account_id for s in db.session.scalars(sa.select(StaffUser))}
        assert staff["admin@acme.test"] == acme.id and staff["admin@initech.test"] == initech.id
        hooli = manager_by_email("lm@hooli.test")
        assert hooli.vendor_account_id == initech.id
        for email in ("full@globex.test", "limited@globex.test", "lm@umbrella.test"):
            assert manager_by_email(email).vendor_account_id == acme.id, email
        invited = db.session.scalars(
            sa.select(LicenseManager).where(
                LicenseManager.status == "invited", LicenseManager.vendor_account_id == acme.id
            )
        ).all()
        assert invited and all(m.last_login_at is None for m in invited)


@pytest.mark.parametrize(
    "side, email",
    [("vendor", "admin@acme.test"), ("portal", "full@globex.test"), ("portal", "lm@hooli.test")],
)
def test_demo_sign_ins_are_ready_to_use(client, demo, side, email):
    """No forced password change: the side's home page opens straight after signing in."""
    client.post(f"/{side}/login", data={"email": email, "password": "demo-password"})
    home = client.get(f"/{side}/", follow_redirects=True)
    assert home.status_code == 200 and "password" not in home.request.path
