"""The managers list people work in, in a real browser: bulk by keyboard and without JavaScript, axe, density."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.models import BulkRun, LicenseManager, OutboxMail
from tests.browser.test_license_managers import sign_in_as_staff
from tests.vendor.license_managers.support import bulk_managers, scalar, scalars

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe_serious(page) -> list[str]:
    """The serious and critical axe findings; axe is evaluated by the driver, so the page's CSP stays strict."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    if not page.evaluate("!!window.axe"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']}: {json.dumps([n['target'] for n in v['nodes']][:5])}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def tab_to(page, target, backwards=False, limit=60) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus: the keyboard alone, as a person would."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("the keyboard never reached the control")


def _world(make):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    invited = [make.manager(vendor, email=f"new{i}@globex.test", status="invited", password=None) for i in range(2)]
    active = make.manager(vendor, email="busy@globex.test", status="active")
    return vendor, invited, active


def test_select_rows_and_resend_invitations_with_the_keyboard_alone(page, live_server, make, app):
    vendor, invited, active = _world(make)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in_as_staff(page, live_server)
    page.wait_for_url(f"{live_server}/vendor/license-managers")
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first
    boxes = {m.license_user.email: page.get_by_label(f"Select {m.license_user.email}") for m in [*invited, active]}
    for email in ("new0@globex.test", "new1@globex.test", "busy@globex.test"):
        tab_to(page, boxes[email])
        page.keyboard.press("Space")
        expect(boxes[email]).to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("3 selected")
    tab_to(page, page.locator("#bulk-action"), backwards=True)
    page.keyboard.press("ArrowDown")  # "Resend invitation" is the first action
    expect(page.locator("#bulk-action")).to_have_value("resend_invitation")
    tab_to(page, page.get_by_role("button", name="Apply", exact=True))
    page.keyboard.press("Enter")
    report = page.locator("#bulk-run")
    expect(report).to_contain_text("Finished: 2 done, 1 skipped.")
    expect(report).to_contain_text("busy@globex.test is active; only invited managers get an invitation.")
    expect(page.get_by_label("Select new0@globex.test")).not_to_be_checked()  # the rows refreshed around the report
    expect(report).to_be_visible()
    assert sorted(scalars(app, sa.select(OutboxMail.to))) == ["new0@globex.test", "new1@globex.test"]
    assert _axe_serious(page) == []
    assert page.csp_violations == []


def test_bulk_disable_works_with_javascript_off(live_server, make, app):
    import os

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    vendor, invited, active = _world(make)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_context(java_script_enabled=False).new_page()
        page.set_default_timeout(5000)
        sign_in_as_staff(page, live_server)
        page.wait_for_url(f"{live_server}/vendor/license-managers")
        assert page.locator("button.copy").first.is_hidden()  # no clipboard without JavaScript: plain text
        page.get_by_label("Select busy@globex.test").check()
        page.get_by_label("Select new0@globex.test").check()
        page.select_option("#bulk-action", "disable")
        page.get_by_role("button", name="Apply", exact=True).click()
        expect(page.locator("h1")).to_have_text("Disable: 2 managers?")  # the confirmation page
        assert scalar(app, sa.select(sa.func.count()).select_from(BulkRun)) == 0
        page.get_by_role("button", name="Disable (2)").click()
        page.wait_for_url("**/vendor/license-managers/bulk/*")
        expect(page.locator("#bulk-run")).to_contain_text("Finished: 2 done, 0 skipped.")
        browser.close()
    assert scalar(app, sa.select(LicenseManager.status).where(LicenseManager.id == active.id)) == "disabled"
    assert scalar(app, sa.select(LicenseManager.status).where(LicenseManager.id == invited[1].id)) == "invited"


def test_twenty_rows_above_the_fold_rows_open_whole_and_emails_copy(page, live_server, make, app):
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    bulk_managers(app, vendor, 30, orders_each=1)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in_as_staff(page, live_server)
    page.wait_for_url(f"{live_server}/vendor/license-managers")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(25)
    bottoms = rows.evaluate_all("rows => rows.map(r => r.getBoundingClientRect().bottom)")
    assert sum(1 for b in bottoms if b <= 900) >= 20, bottoms[:22]
    expect(page.locator("button.copy").first).to_be_visible()  # JavaScript shows the copy buttons
    rows.nth(2).locator("td").nth(3).click()  # a plain cell: the whole row opens
    page.wait_for_url("**/vendor/license-managers/*")
    expect(page.locator("#detail-pane")).to_contain_text("@bulk.test")
    assert page.csp_violations == []
