"""The License Managers page in a real browser, as staff use it all day: master–detail, history, keyboard, Undo.

Debian's Chromium through Playwright (the ``page`` fixture of ``tests/browser/conftest.py``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, LicenseManager
from portal.tenancy import all_tenants
from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

BASE = "/vendor/license-managers"


def sign_in(page, live_server, email="boss@vendor.test") -> None:
    page.goto(f"{live_server}/vendor/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}{BASE}")


def scene(make, n: int = 3):
    """A vendor, its staff, an order and n active managers on it, a@…, b@…, c@… in the email sort."""
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    order = make.order(vendor, reference="ORD-1")
    managers = [make.manager(vendor, email=f"{chr(97 + i)}@globex.test", orders=[order]) for i in range(n)]
    return vendor, managers, order


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def status(app, manager_id: int) -> str:
    with app.app_context(), all_tenants(db.session):
        return db.session.get(LicenseManager, manager_id).status


def actions(app) -> list[str]:
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def test_history_one_back_leaves_the_pane_and_keeps_the_query(page, live_server, make):
    _, managers, _ = scene(make)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server}{BASE}?q=globex&sort=email")
    page.locator("#results tbody tr").nth(1).locator("td a").first.click()
    page.wait_for_url(f"**{BASE}/{managers[1].id}?q=globex&sort=email")
    row = page.locator("#results tbody tr").nth(1)
    expect(row).to_have_attribute("aria-current", "true")
    for tab in ("orders", "licenses", "report", "permissions"):  # each tab replaces the entry
        page.click(f"#tab-{tab}")
        expect(page.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")
    assert query(page.url) == {"q": ["globex"], "sort": ["email"]}
    page.keyboard.press("j")  # the next manager replaces it too
    page.wait_for_url(f"**{BASE}/{managers[2].id}?q=globex&sort=email")
    page.go_back()
    page.wait_for_url(f"{live_server}{BASE}?q=globex&sort=email")
    expect(page.locator("#detail-pane")).to_be_empty()
    expect(page.locator("#q")).to_have_value("globex")
    assert page.locator("#results tr[aria-current]").count() == 0
    assert page.csp_violations == []


def test_a_reload_or_shared_link_shows_the_list_with_its_query_and_the_pane(page, live_server, make):
    _, managers, _ = scene(make)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server}{BASE}?sort=-email")
    page.locator("#results tbody tr").first.locator("td a").first.click()
    page.wait_for_url(f"**{BASE}/{managers[2].id}?sort=-email")
    page.click("#tab-orders")
    page.wait_for_url(f"**{BASE}/{managers[2].id}/orders?sort=-email")
    page.reload()
    expect(page.locator("#tab-orders")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    expect(page.locator("#results tbody tr").first).to_have_attribute("aria-current", "true")
    # The sorted column stays in view beside the pane.
    expect(page.get_by_role("columnheader", name=re.compile("Email"))).to_be_visible()
    # Close: back to the same list, in one step, focus on the row that was open.
    page.click("[data-pane-close]")
    page.wait_for_url(f"{live_server}{BASE}?sort=-email")
    expect(page.locator("#detail-pane")).to_be_empty()
    expect(page.locator("#results tbody tr").first.locator("td a").first).to_be_focused()
    assert page.csp_violations == []


def test_keyboard_moves_between_managers_and_escape_closes(page, live_server, make):
    _, managers, _ = scene(make)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server}{BASE}?sort=email")
    first = page.locator("#results tbody tr").first.locator("td a").first
    first.focus()
    page.keyboard.press("ArrowDown")  # the pane is closed: the arrows move along the rows
    expect(page.locator("#results tbody tr").nth(1).locator("td a").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{BASE}/{managers[1].id}?sort=email")
    expect(page.locator("#manager-name")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator("#detail-pane")).to_contain_text("c@globex.test")
    expect(page.locator("#results tbody tr").nth(2)).to_have_attribute("aria-current", "true")
    page.keyboard.press("k")
    expect(page.locator("#detail-pane")).to_contain_text("b@globex.test")
    page.keyboard.press("k")
    expect(page.locator("#detail-pane")).to_contain_text("a@globex.test")
    page.wait_for_url(f"**{BASE}/{managers[0].id}?sort=email")
    # From the list, ↓ with the pane open moves the pane and keeps focus on the rows.
    first.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#detail-pane")).to_contain_text("b@globex.test")
    expect(page.locator("#results tbody tr").nth(1).locator("td a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#detail-pane")).to_be_empty()
    page.wait_for_url(f"{live_server}{BASE}?sort=email")
    expect(page.locator("#results tbody tr").nth(1).locator("td a").first).to_be_focused()
    assert page.csp_violations == []


def test_focus_returns_to_the_control_after_save_disable_and_sort(app, page, live_server, make):
    _, managers, _ = scene(make, 2)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server}{BASE}/{managers[0].id}")
    page.check("input[name=permissions][value=edit_license]")
    expect(page.locator("[data-unsaved-note]")).to_be_visible()  # the Save bar says so, in view
    save = page.locator("#save-permissions")
    box = save.bounding_box()
    assert box and box["y"] + box["height"] <= 900
    save.click()
    expect(page.locator("#flash")).to_contain_text("saved")
    expect(page.locator("#save-permissions")).to_be_focused()
    expect(page.locator("[data-unsaved-note]")).to_be_hidden()
    toast = page.locator("#flash .flash").first.bounding_box()
    assert toast and 0 <= toast["y"] and toast["y"] + toast["height"] <= 900  # the message is where the eye is
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#manager-status-action").click()
    expect(page.locator("#manager-status-action")).to_have_text("Enable")
    expect(page.locator("#manager-status-action")).to_be_focused()
    assert status(app, managers[0].id) == "disabled"
    page.get_by_role("link", name="Name", exact=True).click()  # sort: focus stays on the header
    page.wait_for_url("**sort=name*")
    expect(page.locator("#results th a.active")).to_be_focused()
    page.keyboard.press("Enter")  # and sorts again from there: descending
    page.wait_for_url("**sort=-name*")
    expect(page.locator("#results th a.active")).to_be_focused()
    assert page.csp_violations == []


def test_undo_after_disable_and_after_removing_an_order(app, page, live_server, make):
    _, managers, order = scene(make, 1)
    m = managers[0]
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server}{BASE}/{m.id}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#manager-status-action").click()
    undo = page.locator("#flash").get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    assert status(app, m.id) == "disabled"  # a real change, not a delayed one
    undo.click()
    expect(page.locator("#flash")).to_contain_text("enabled again")
    expect(page.locator("#detail-pane .badge-disabled")).to_have_count(0)
    assert status(app, m.id) != "disabled"
    page.click("#tab-orders")
    page.locator("#tab-panel").get_by_role("button", name="Remove").click()
    expect(page.locator("#flash")).to_contain_text("no longer manages order ORD-1")
    page.locator("#flash").get_by_role("button", name="Undo").click()
    expect(page.locator("#flash")).to_contain_text("now manages order ORD-1")
    expect(page.locator("#tab-panel")).to_contain_text("ORD-1")
    assert actions(app)[-4:] == [
        "license_manager.disabled",
        "license_manager.enabled",
        "license_manager.order_removed",
        "license_manager.order_added",
    ]
    assert page.csp_violations == []


def test_the_keyboard_alone_finds_opens_changes_saves_and_disables(app, page, live_server, make):
    _, managers, _ = scene(make, 3)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server)
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#q").focus()
    page.keyboard.type("b@globex")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.keyboard.press("j")  # typing: j is a letter, not a move
    page.keyboard.press("Backspace")
    page.keyboard.press("ArrowDown")  # from the search straight to its first result
    expect(page.locator("#results tbody tr").first.locator("a.row-link")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # the row's checkbox: Enter there opens the row too, never the bulk form
    page.keyboard.press("Enter")
    expect(page.locator("#manager-name")).to_be_focused()
    for _ in range(60):  # Tab on to the Edit license permission
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "edit_license":
            break
    page.keyboard.press("Space")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "save-permissions":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("saved")
    page.keyboard.press("Shift+Tab")
    for _ in range(200):
        if page.evaluate("document.activeElement.id") == "manager-status-action":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#manager-status-action")).to_have_text("Enable")
    with app.app_context(), all_tenants(db.session):
        manager = db.session.get(LicenseManager, managers[1].id)
        assert manager.status == "disabled" and manager.permissions != 0
    assert page.csp_violations == []


def test_the_whole_page_works_with_javascript_off(app, page, live_server, make):
    _, managers, _ = scene(make, 2)
    context = page.context.browser.new_context(java_script_enabled=False, viewport={"width": 1440, "height": 900})
    plain = context.new_page()
    sign_in(plain, live_server)
    plain.goto(f"{live_server}{BASE}?sort=email")
    plain.locator("#results tbody tr").first.locator("td a").first.click()
    plain.wait_for_url(f"**{BASE}/{managers[0].id}?sort=email")
    expect(plain.locator("#results tbody tr").first).to_have_attribute("aria-current", "true")
    plain.click("#tab-orders")
    plain.wait_for_url(f"**{BASE}/{managers[0].id}/orders?sort=email")
    plain.locator("#detail-pane").get_by_role("button", name="Disable").click()  # a confirmation page first
    plain.wait_for_url(f"**{BASE}/{managers[0].id}/disable?sort=email")
    plain.get_by_role("button", name="Disable").click()
    plain.wait_for_url(f"**{BASE}/{managers[0].id}?sort=email")
    expect(plain.locator("#flash")).to_contain_text("is disabled")
    assert status(app, managers[0].id) == "disabled"
    plain.locator("#flash").get_by_role("button", name="Undo").click()  # Undo: a plain form
    plain.wait_for_url(f"**{BASE}/{managers[0].id}?sort=email")
    expect(plain.locator("#flash")).to_contain_text("enabled again")
    assert status(app, managers[0].id) != "disabled"
    plain.get_by_role("link", name=re.compile("Close the details")).click()
    plain.wait_for_url(f"{live_server}{BASE}?sort=email")
    expect(plain.locator("#detail-pane")).to_be_empty()
    context.close()


def test_the_pane_fits_its_tables_at_1280_and_is_its_own_page_below_1000(page, live_server, make):
    vendor, managers, order = scene(make, 2)
    for _ in range(3):
        make.license(order, make.policy(make.product(vendor)))
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server)
    page.locator("#results tbody tr").first.locator("td a").first.click()
    for tab in ("orders", "licenses"):
        page.click(f"#tab-{tab}")
        expect(page.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")
        overflow = page.evaluate(
            "[...document.querySelectorAll('#detail-pane .table-wrap')].map(e => e.scrollWidth - e.clientWidth)"
        )
        assert overflow and max(overflow) <= 0, (tab, overflow)
    assert page.evaluate("document.querySelector('.managers-list').getBoundingClientRect().width") >= 240
    # The separator resizes the list with the keyboard, and the width is remembered.
    handle = page.locator("[role=separator]")
    before = float(handle.get_attribute("aria-valuenow") or 0)
    handle.focus()
    page.keyboard.press("ArrowRight")
    assert float(handle.get_attribute("aria-valuenow") or 0) > before
    page.set_viewport_size({"width": 900, "height": 800})
    expect(page.locator(".managers-list")).to_be_hidden()
    expect(page.locator("#manager-name")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 900
    assert page.csp_violations == []
