"""Each vendor's own sign-in address, and /portal/login when one email manages at several vendors.

The person who manages at two vendors with the same email lands where they chose (their
vendor's own address, or the choice /portal/login offers), never always at the first; the
choice lists only vendors where the password was right, so a wrong password reveals nothing.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, VendorBranding
from portal.tenancy import all_tenants
from tests.auth.helpers import sign_in

EMAIL = "both@customer.test"


def _slug(app, vendor) -> str:
    with app.app_context(), all_tenants(db.session):
        return db.session.get(VendorBranding, vendor.id).slug


def _signed_in_vendor(app, client) -> int:
    with client.session_transaction() as session:
        manager_id = int(session["_user_id"].split(":")[1])
    with app.app_context(), all_tenants(db.session):
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "manager.signed_in", AuditEvent.actor_id == manager_id)
        )
        return event.vendor_account_id


def _two_vendors(make):
    first, second = make.vendor(name="First Vendor Inc"), make.vendor(name="Second Vendor Ltd")
    make.manager(first, email=EMAIL)
    make.manager(second, email=EMAIL)
    return first, second


def test_every_vendor_gets_a_sign_in_address_from_its_name(app, make):
    vendor = make.vendor(name="Ünïcode Tools & Co")
    twin = make.vendor(name="Unicode Tools Co")
    assert _slug(app, vendor) == "unicode-tools-co"
    assert _slug(app, twin) == "unicode-tools-co-2"
    assert _slug(app, make.vendor(name="Login")) == "login-2"  # a portal path is never a vendor's address


def test_the_vendors_own_address_signs_in_at_that_vendor(app, make, client):
    first, second = _two_vendors(make)
    for vendor in (second, first):
        browser = app.test_client()
        page = browser.get(f"/portal/{_slug(app, vendor)}/login")
        assert page.status_code == 200 and vendor.name in page.get_data(as_text=True)
        done = sign_in(browser, EMAIL, path=f"/portal/{_slug(app, vendor)}/login")
        assert done.status_code == 303 and done.headers["Location"].endswith("/portal/")
        assert _signed_in_vendor(app, browser) == vendor.id


def test_a_vendors_address_knows_only_its_own_managers(app, make, client):
    first, _ = _two_vendors(make)
    other = make.vendor(name="Third")
    make.manager(other, email="third@customer.test")
    assert sign_in(client, "third@customer.test", path=f"/portal/{_slug(app, first)}/login").status_code == 401
    assert client.get("/portal/no-such-vendor/login").status_code == 404


def test_portal_login_asks_which_vendor_when_the_password_is_right_at_both(app, make, client):
    first, second = _two_vendors(make)
    asked = sign_in(client, EMAIL)
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/portal/login/choose")
    assert client.get("/portal/").status_code == 302
    page = client.get("/portal/login/choose").get_data(as_text=True)
    assert "First Vendor Inc" in page and "Second Vendor Ltd" in page
    choices = dict((name, int(value)) for value, name in re.findall(r'value="(\d+)"[^>]*>([^<]+)</button>', page))
    done = client.post("/portal/login/choose", data={"manager": choices["Second Vendor Ltd"]})
    assert done.status_code == 303
    assert _signed_in_vendor(app, client) == second.id


def test_the_choice_lists_only_vendors_where_the_password_was_right(app, make, client):
    first, second = make.vendor(name="Alpha Soft"), make.vendor(name="Beta Soft")
    make.manager(first, email=EMAIL)
    make.manager(second, email=EMAIL, password="another passphrase")
    done = sign_in(client, EMAIL)
    assert done.status_code == 303 and done.headers["Location"].endswith("/portal/")
    assert _signed_in_vendor(app, client) == first.id
    wrong = sign_in(app.test_client(), EMAIL, password="nobody's password")
    assert wrong.status_code == 401
    html = wrong.get_data(as_text=True)
    assert "Alpha Soft" not in html and "Beta Soft" not in html


def test_a_manager_id_outside_the_choice_is_refused(app, make, client):
    _two_vendors(make)
    stranger = make.manager(make.vendor(), email="stranger@customer.test")
    sign_in(client, EMAIL)
    assert client.post("/portal/login/choose", data={"manager": stranger.id}).status_code == 422
    assert client.get("/portal/").status_code == 302
    assert app.test_client().get("/portal/login/choose").headers["Location"].endswith("/portal/login")


def test_the_branded_sign_in_page_carries_logo_and_colour(app, make, client):
    vendor = make.vendor(name="Brandy")
    with app.app_context(), all_tenants(db.session):
        brand = db.session.get(VendorBranding, vendor.id)
        brand.brand_name, brand.accent_color = "Brandy Portal", "#8a1538"
        brand.logo, brand.logo_type, brand.logo_sha256 = b"x", "image/png", "ab" * 32
        db.session.commit()
    html = client.get("/portal/brandy/login").get_data(as_text=True)
    assert "Brandy Portal" in html and "/portal/brandy/brand.css" in html and "/portal/brandy/logo" in html
    assert 'action="/portal/brandy/login"' in html
    assert "Brandy Portal" not in client.get("/portal/login").get_data(as_text=True)
