"""The License Managers overview in a real browser: active search, sort, filters, the detail pane."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def sign_in_as_staff(page, live_server, email="boss@vendor.test") -> None:
    page.goto(f"{live_server}/vendor/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _state(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_search_sort_filter_and_open_a_manager(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    make.manager(vendor, email="ada@globex.test", status="active")
    make.manager(vendor, email="adam@globex.test", status="invited")
    make.manager(vendor, email="bob@initech.test", status="active")
    sign_in_as_staff(page, live_server)
    page.wait_for_url(f"{live_server}/vendor/license-managers")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)

    page.fill("#q", "ada")  # active search: debounced, the URL follows
    expect(rows).to_have_count(2)
    page.wait_for_url("**/vendor/license-managers?q=ada*")

    page.get_by_role("link", name="Email").click()  # sort by a column header
    page.wait_for_url("**sort=email*")
    assert _state(page.url)["q"] == ["ada"]
    assert rows.nth(0).locator("td.email > span").inner_text() == "ada@globex.test"

    page.select_option("#status", "invited")  # a filter keeps the search and the sort
    page.wait_for_url("**status=invited*")
    assert _state(page.url)["sort"] == ["email"] and _state(page.url)["q"] == ["ada"]
    expect(rows).to_have_count(1)
    assert rows.nth(0).locator("td.email > span").inner_text() == "adam@globex.test"

    page.reload()  # the URL holds the whole state
    expect(rows).to_have_count(1)
    assert rows.count() == 1 and page.input_value("#q") == "ada"
    assert page.input_value("#status") == "invited"

    rows.nth(0).locator("td a").first.click()  # the detail pane opens beside the list
    page.wait_for_url("**/vendor/license-managers/*")
    expect(page.locator("#detail-pane")).to_contain_text("adam@globex.test")
    assert page.locator("#results tbody tr").count() == 1
    page.go_back()
    page.wait_for_url("**status=invited*")
    assert page.csp_violations == []


def test_filters_work_with_javascript_off(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    make.manager(vendor, email="ada@globex.test", status="active")
    make.manager(vendor, email="adam@globex.test", status="invited")
    context = page.context.browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server}/vendor/login")
    plain.fill("input[name=email]", "boss@vendor.test")
    plain.fill("input[name=password]", PASSWORD)
    plain.click("button[type=submit]")
    plain.wait_for_url(f"{live_server}/vendor/license-managers")
    plain.fill("#q", "ada")
    plain.select_option("#status", "invited")
    plain.get_by_role("button", name="Apply filters").click()
    plain.wait_for_url("**status=invited*")
    assert _state(plain.url)["q"] == ["ada"]
    expect(plain.locator("#results tbody tr")).to_have_count(1)
    assert "adam@globex.test" in plain.locator("#results").inner_text()
    plain.get_by_role("link", name="Name").click()  # sorting is a plain link too
    plain.wait_for_url("**sort=name*")
    assert _state(plain.url)["status"] == ["invited"]
    context.close()


def test_invite_form_order_search(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    make.order(vendor, reference="ALPHA-1")
    make.order(vendor, reference="BETA-2")
    sign_in_as_staff(page, live_server)
    page.goto(f"{live_server}/vendor/license-managers/new")
    choices = page.locator("#order-choices label")
    expect(choices).to_have_count(2)
    page.fill("#order_q", "alpha")
    expect(choices).to_have_count(1)
    page.locator("#order_q").press("Enter")  # searching never sends the invitation
    page.get_by_label("ALPHA-1").check()
    page.fill("#order_q", "beta")
    expect(choices).to_have_count(2)  # the ticked order stays, ticked
    assert page.get_by_label("ALPHA-1").is_checked()
    assert page.url == f"{live_server}/vendor/license-managers/new"
    page.fill("#email", "new@globex.test")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url(re.compile(r".*/vendor/license-managers/\d+$"))
    expect(page.locator("#flash")).to_contain_text("Invitation sent to new@globex.test.")
    assert page.csp_violations == []


def test_a_change_in_the_pane_refreshes_the_row_beside_it(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    make.manager(vendor, email="ada@globex.test", status="active")
    sign_in_as_staff(page, live_server)
    page.wait_for_url(f"{live_server}/vendor/license-managers")
    row = page.locator("#results tbody tr").first
    expect(row).to_contain_text("Active")
    row.locator("td a").first.click()
    expect(page.locator("#detail-pane")).to_contain_text("ada@globex.test")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#detail-pane").get_by_role("button", name="Disable").click()
    expect(page.locator("#detail-pane")).to_contain_text("Disabled")
    expect(page.locator("#results tbody tr").first).to_contain_text("Disabled")
    assert page.csp_violations == []


def test_arrow_keys_move_between_the_detail_tabs(page, live_server, make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    manager = make.manager(vendor, email="ada@globex.test", status="active")
    sign_in_as_staff(page, live_server)
    page.goto(f"{live_server}/vendor/license-managers/{manager.id}")
    selected = page.locator('[role="tab"][aria-selected="true"]')
    expect(selected).to_have_text("Permissions")
    assert page.locator('[role="tab"][tabindex="0"]').count() == 1
    page.evaluate("window.samePage = true")  # gone if a key press loaded the whole page
    selected.focus()
    page.keyboard.press("ArrowRight")
    expect(selected).to_have_text("Orders")
    page.wait_for_url(f"**/license-managers/{manager.id}/orders")
    expect(page.locator("#tab-orders")).to_be_focused()
    page.keyboard.press("End")
    expect(selected).to_have_text("Report")
    expect(page.locator("#tab-report")).to_be_focused()  # focus is back once the swap settles
    page.keyboard.press("ArrowRight")  # wraps round to the first tab
    expect(selected).to_have_text("Permissions")
    assert page.evaluate("window.samePage") is True
    assert page.csp_violations == []
