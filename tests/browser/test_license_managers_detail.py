"""The manager detail in a real browser: the pane beside the overview, tabs, search, save, confirm."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_pane_tabs_order_search_save_and_disable(app, make, page, live_server):
    w = make.world()
    staff = make.staff(w["vendor"])
    manager = make.manager(w["vendor"], password=None, orders=[w["order"]], email="pat@customer.test")
    make.order(w["vendor"], reference="FIND-4711")
    page.goto(live_server + "/vendor/login")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/vendor/license-managers.*"))

    # The row opens the pane beside the list, and the URL names the manager.
    page.click(f'a[hx-get="/vendor/license-managers/{manager.id}"]')
    page.wait_for_selector("#detail-pane #manager-tabs")
    assert page.url.endswith(f"/vendor/license-managers/{manager.id}")
    assert page.locator("#results").count() == 1  # still beside the overview

    page.click("#tab-orders")
    page.wait_for_selector("#tab-panel[aria-labelledby=tab-orders]")
    assert page.url.endswith(f"/{manager.id}/orders")
    assert page.get_attribute("#tab-orders", "aria-selected") == "true"
    assert page.get_attribute("#tab-permissions", "aria-selected") == "false"

    page.fill("#order-search", "4711")
    page.wait_for_selector("#order-options :text('FIND-4711')")
    page.check("#order-options input[name=order]")
    page.click("text=Add order")
    page.wait_for_selector("#flash :text('now manages order FIND-4711')")
    assert page.locator("#tab-panel table :text('FIND-4711')").count() == 1

    page.click("#tab-permissions")
    page.check("input[name=permissions][value=edit_license]")
    page.click("text=Save permissions")
    page.wait_for_selector("#flash :text('saved')")

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.click("#detail-pane button:text-is('Disable')")
    page.wait_for_selector("#detail-pane .badge-disabled")
    assert messages and messages[0].startswith("Disable pat@customer.test?")
    assert page.locator("#detail-pane :text-is('Enable')").count() == 1
    assert page.csp_violations == []
