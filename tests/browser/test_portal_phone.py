"""The End User Portal on a phone (390 px): nothing scrolls sideways, tables keep their first
column in view, filters fold away, license keys stay on one line with a copy button."""

from __future__ import annotations

import pytest

from tests.browser.portal_pages import PAGE_WIDTH, seed_demo, sign_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(app):
    return seed_demo(app)


def test_no_portal_page_scrolls_sideways_on_a_phone(page, live_server, demo):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/portal/login")
    assert page.evaluate(PAGE_WIDTH) <= 390, "sign-in"
    page.goto(f"{live_server}/portal/password/forgot")
    assert page.evaluate(PAGE_WIDTH) <= 390, "forgot password"
    sign_in(page, live_server)
    wide = []
    for name, path in demo.items():
        page.goto(live_server + path)
        if page.evaluate(PAGE_WIDTH) > 390:
            wide.append(f"{name}: {page.evaluate(PAGE_WIDTH)} px")
    assert wide == []
    assert page.csp_violations == []


def test_a_list_on_a_phone_keeps_its_first_column_and_folds_its_filters(page, live_server, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server)
    page.goto(live_server + demo["licenses"])
    filters = page.locator("details.filter-fold")
    expect(filters).not_to_have_attribute("open", "")  # folded: the list comes first
    expect(page.locator("#license-product")).to_be_hidden()
    filters.locator("summary").click()
    expect(page.locator("#license-product")).to_be_visible()
    # The table scrolls inside its region; its first column stays where it was.
    region = page.locator("#license-results .table-wrap")
    first_cell = page.locator("#license-results tbody tr").first.locator("td").first
    before = first_cell.bounding_box()
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # more columns than fit
    region.evaluate("el => { el.scrollLeft = 400; }")
    after = first_cell.bounding_box()
    assert abs(after["x"] - before["x"]) < 1
    assert page.evaluate(PAGE_WIDTH) <= 390


def test_filters_with_a_value_stay_open_on_a_phone(page, live_server, demo):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server)
    page.goto(f"{live_server}/portal/licenses?status=active")
    expect(page.locator("details.filter-fold")).to_have_attribute("open", "")


def test_a_license_key_is_one_line_and_copies(page, live_server, demo):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server)
    page.goto(live_server + demo["licenses"])
    key = page.locator("#license-results code.license-key").first
    line = key.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || el.offsetHeight")
    assert key.bounding_box()["height"] <= line * 1.5  # one line, cut with an ellipsis
    full = key.get_attribute("title")
    assert full and len(full) == 19
    button = page.locator("#license-results .copy-button").first
    expect(button).to_be_visible()  # hidden without JavaScript, where the key is plain text
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == full
