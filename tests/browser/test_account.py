"""The account menu, two-factor sign-in and a vendor's brand in a real browser, under the strict CSP."""

from __future__ import annotations

import re
import struct
import zlib

import pyotp
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import VendorBranding
from portal.tenancy import all_tenants
from tests.auth.helpers import next_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _png(width=8, height=4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x8a\x15\x38" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _sign_in(page, url, email):
    page.goto(url)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def test_a_manager_turns_on_two_factor_from_the_menu_and_signs_in_with_a_code(page, live_server, make):
    make.manager(make.vendor(), email="lm2fa@customer.test")
    _sign_in(page, f"{live_server}/portal/login", "lm2fa@customer.test")
    page.wait_for_url(f"{live_server}/portal/")
    page.focus("#account-menu summary")
    page.keyboard.press("Enter")
    assert page.locator("#account-menu").get_attribute("open") is not None
    page.keyboard.press("Escape")
    assert page.locator("#account-menu").get_attribute("open") is None
    page.click("#account-menu summary")
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator(".totp-qr svg").count() == 1
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("#enable-two-factor-form button[type=submit]")
    # The click only starts the POST: wait for the page that answers it, not its first instant.
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/portal/login$"))
    _sign_in(page, f"{live_server}/portal/login", "lm2fa@customer.test")
    page.wait_for_url(f"{live_server}/portal/login/two-factor")
    page.fill("input[name=code]", next_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/portal/")
    assert page.csp_violations == []


def test_the_vendors_sign_in_page_and_portal_wear_its_logo_and_colour(page, live_server, app, make):
    vendor = make.vendor(name="Crimson Co")
    make.manager(vendor, email="crimson@customer.test", account=make.customer_account(vendor, name="Globex"))
    import hashlib

    logo = _png()
    with app.app_context(), all_tenants(db.session):
        brand = db.session.get(VendorBranding, vendor.id)
        brand.brand_name, brand.accent_color = "Crimson Portal", "#8a1538"
        brand.logo, brand.logo_type, brand.logo_sha256 = logo, "image/png", hashlib.sha256(logo).hexdigest()
        db.session.commit()
    _sign_in(page, f"{live_server}/portal/crimson-co/login", "crimson@customer.test")
    page.wait_for_url(f"{live_server}/portal/")
    assert page.locator(".topbar .brand").inner_text().strip() == "Crimson Portal"
    assert "Globex" in page.locator(".topbar").inner_text()
    assert page.evaluate("document.querySelector('.topbar .brand-logo').naturalWidth") == 8
    accent = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#8a1538"
    assert page.csp_violations == []
