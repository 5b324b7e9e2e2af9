"""Walks a user makes in a real browser: narrow screens, the detail pane beside the list, focus."""

from __future__ import annotations

import pytest

from tests.end_user.licenses.support import scene
from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

PAGE_WIDTH = "document.documentElement.scrollWidth"


def sign_in(page, base, side, email):
    page.goto(f"{base}/{side}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_narrow_screen_pages_do_not_scroll_sideways(page, live_server, make):
    w = scene(make)
    lic = make.license(w["order"], w["key_policy"])
    make.device(lic, hostname="a-rather-long-workstation-name-07")
    make.staff(w["vendor"], email="boss@vendor.test")
    page.set_viewport_size({"width": 400, "height": 800})
    sign_in(page, live_server, "portal", w["manager"].license_user.email)
    page.goto(f"{live_server}/portal/licenses/{lic.id}")  # a wide device table with hidden labels
    assert page.evaluate(PAGE_WIDTH) <= 400
    page.context.clear_cookies()
    sign_in(page, live_server, "vendor", "boss@vendor.test")
    for path in (f"/vendor/license-managers/{w['manager'].id}", "/vendor/license-managers/new"):
        page.goto(live_server + path)  # fieldsets holding a product table
        assert page.evaluate(PAGE_WIDTH) <= 400, path
    assert page.csp_violations == []


def test_opening_a_manager_moves_focus_to_the_pane_and_narrows_the_list(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    manager = make.manager(vendor, email="ada@globex.test")
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, "vendor", "boss@vendor.test")
    created = page.get_by_role("columnheader", name="Created")
    expect(created).to_be_visible()
    link = page.locator("#results tbody td a").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/vendor/license-managers/{manager.id}")
    expect(page.locator("#manager-name")).to_be_focused()
    # The list keeps the name, the status and the column it is sorted by (Created, by default).
    expect(created).to_be_visible()
    expect(page.get_by_role("columnheader", name="Status")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Customer account")).to_be_hidden()
    page.keyboard.press("Tab")  # the next stop is inside the pane, not the rest of the list
    assert page.evaluate("document.activeElement.closest('#detail-pane') !== null")
    assert page.csp_violations == []
