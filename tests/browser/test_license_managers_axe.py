"""axe-core on the License Managers page: no serious or critical finding, light and dark, on every pane state.

axe-core comes from npm (``npm ci`` puts it in ``node_modules/``) and is injected by Playwright.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BASE = "/vendor/license-managers"


def serious(page) -> list[str]:
    """The serious and critical axe findings on the page as it is now, one line each."""
    if not page.evaluate("!!window.axe"):  # evaluated by the driver: the page's CSP stays as strict as ever
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', '));
        }"""
    )
    return list(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_axe_findings_with_the_pane_open_on_each_tab_and_after_a_422(page, live_server, make, scheme):
    if not AXE.exists():
        pytest.skip("axe-core is installed by npm ci")
    vendor = make.vendor()
    make.staff(vendor, email="boss@vendor.test")
    product = make.product(vendor)
    policy = make.policy(product)
    order = make.order(vendor, reference="ORD-1")
    make.license(order, policy)
    manager = make.manager(vendor, email="ada@globex.test", orders=[order], products=[product], policies=[policy])
    make.manager(vendor, email="bob@globex.test", status="invited", password=None)
    page.on("dialog", lambda dialog: dialog.accept())  # leaving unsaved changes, Disable
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server}/vendor/login")
    page.fill("input[name=email]", "boss@vendor.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}{BASE}")
    findings = {"overview": serious(page)}
    page.locator("#results tbody tr").last.locator("td a").first.click()
    expect(page.locator("#detail-pane #manager-name")).to_contain_text("")
    page.wait_for_url(f"**{BASE}/{manager.id}")
    for tab in ("permissions", "orders", "licenses", "user_groups", "report"):
        page.click(f"#tab-{tab}")
        expect(page.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")
        findings[tab] = serious(page)
    page.click("#tab-permissions")
    expect(page.locator("#tab-permissions")).to_have_attribute("aria-selected", "true")
    page.fill(f"#cap-{product.id}", "-5")
    page.click("#save-permissions")
    expect(page.locator("#tab-panel .form-error")).to_be_visible()
    findings["permissions after a 422"] = serious(page)
    page.click("#tab-orders")
    expect(page.locator("#tab-orders")).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Add order").click()
    expect(page.locator("#order-error")).to_be_visible()
    findings["orders after a 422"] = serious(page)
    page.locator("#manager-status-action").click()
    expect(page.locator("#flash").get_by_role("button", name="Undo")).to_be_visible()
    findings["after disable, the Undo toast"] = serious(page)
    page.goto(f"{live_server}{BASE}/{manager.id}/orders?q=globex")
    findings["pane page"] = serious(page)
    page.set_viewport_size({"width": 900, "height": 900})
    findings["pane as its own page, narrow"] = serious(page)
    assert {name: found for name, found in findings.items() if found} == {}
