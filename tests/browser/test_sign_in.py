"""Sign-in in a real browser: the forms, htmx loaded under the strict CSP, the keyboard."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_manager_signs_in_and_out_with_the_keyboard(page, live_server, make):
    vendor = make.vendor()
    make.manager(vendor, email="lm@customer.test", permissions="all")
    page.goto(f"{live_server}/portal/login")
    page.keyboard.press("Tab")  # the skip link comes first
    page.keyboard.press("Tab")
    page.keyboard.type("lm@customer.test")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/portal/")
    assert page.evaluate("typeof window.htmx") == "object"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/portal/login")
    assert page.csp_violations == []


def test_wrong_password_shows_the_message_at_the_form(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    page.goto(f"{live_server}/vendor/login")
    page.fill("input[name=email]", "boss@vendor.test")
    page.fill("input[name=password]", "not it")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Email or password is incorrect."
    assert page.csp_violations == []
