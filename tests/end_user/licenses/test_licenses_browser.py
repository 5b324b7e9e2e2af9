"""The license page in a real browser: hx-confirm then an htmx swap, 409 in the flash area, no-JS confirmation."""

from __future__ import annotations

import pytest

from portal.models import Device, License
from tests.browser.conftest import live_server, page  # noqa: F401  (fixtures)
from tests.end_user.licenses.support import get, scene
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base, manager):  # noqa: F811
    page.goto(f"{base}/portal/login")
    page.fill("#email", manager.license_user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/portal/")


def test_confirm_then_swap_and_409_in_the_flash(page, live_server, make):  # noqa: F811
    w = scene(make, seats=1)
    lic = make.license(w["order"], w["key_policy"])
    device = make.device(lic, hostname="cad-07")
    seat = make.license(w["order"], w["seat_policy"])
    make.assignment(seat, make.license_user(w["vendor"]))
    sign_in(page, live_server, w["manager"])
    page.goto(f"{live_server}/portal/licenses/{lic.id}")
    native = []  # the browser's own confirm() must not come up: the portal asks in its own dialog
    page.on("dialog", lambda dialog: (native.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Reset", exact=True).click()
    dialog = page.locator("dialog#confirm-dialog")
    dialog.get_by_text("Reset cad-07? It is deactivated and the license counts down by one.").wait_for()
    dialog.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_text("Device reset and license updated.").wait_for()
    assert native == []
    assert page.url == f"{live_server}/portal/licenses/{lic.id}"  # swapped in place
    assert not get(make.app, Device, device.id).is_active
    assert "Times activated\n0 of 3" in page.inner_text("#license-detail")
    page.goto(f"{live_server}/portal/licenses/{seat.id}")
    page.fill("#email", "late@customer.test")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.locator("#flash").get_by_text("No free seat: all 1 seats of this license are assigned.").wait_for()


def test_without_javascript_a_confirmation_page_comes_first(page, live_server, make):  # noqa: F811
    w = scene(make)
    lic = make.license(w["order"], w["key_policy"], status="active")
    page.context.close()
    context = page.context.browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    sign_in(plain, live_server, w["manager"])
    plain.goto(f"{live_server}/portal/licenses/{lic.id}")
    plain.get_by_role("button", name="Disable").click()
    # The click starts a navigation; is_visible() does not wait for it, wait_for() does.
    plain.get_by_role("heading", name="Please confirm").wait_for()
    assert get(make.app, License, lic.id).status == "active"
    plain.get_by_role("button", name="Disable").click()
    plain.get_by_text("License disabled.").wait_for()
    assert get(make.app, License, lic.id).status == "disabled"
