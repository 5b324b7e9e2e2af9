"""Every End User Portal page, on the demo data, for the phone, screenshot and axe walks.

The demo data (``flask seed demo``) is seeded from a fixed random source, so the pages read
the same every run but for dates relative to today: the screenshots mask those.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Device,
    License,
    LicenseAssignment,
    LicenseManager,
    LicenseUser,
    ManagerToken,
    Order,
    OrderManager,
    UserGroup,
    UserGroupManager,
    VendorBranding,
)
from portal.tenancy import all_tenants

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BASELINES = Path(__file__).resolve().parent / "baselines"
UPDATE = os.environ.get("PORTAL_UPDATE_BASELINES") == "1"
MANAGER = "full@globex.test"
PASSWORD = "demo-password"
PAGE_WIDTH = "document.documentElement.scrollWidth"
# What changes from day to day in the demo data: dates and the chart's date ticks.
MASK = "time, .chart .tick, .chart-caption, input[type=date]"
# The demo's floating seats are drawn afresh on each load: their rows (and the devices named on the
# borrow page and the notices) are masked too; so is the two-factor page's new secret (QR code and key).
PAGE_MASKS = {
    "floating": "#floating-seats tbody",
    "borrow": "h1, main .small a",
    "notices": "section[aria-labelledby=floating] ul",
    "two-factor": ".totp-qr, .totp-secret",
}
PIXEL_DELTA = 40  # a grey level this far from the baseline's counts as a different pixel
MAX_DIFFERENT = 0.02  # share of different pixels a page may have before its screenshot fails


def seed_demo(app) -> dict[str, str]:
    """Load the demo data and name the paths of every End User Portal page of its Globex manager."""
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context(), all_tenants(db.session):
        manager = db.session.scalar(sa.select(LicenseManager).join(LicenseUser).where(LicenseUser.email == MANAGER))
        orders = sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager.id)
        order = db.session.scalar(sa.select(Order).where(Order.id.in_(orders)).order_by(Order.id))
        mine = License.order_id.in_(orders)
        keyed = db.session.scalar(
            sa.select(License.id).where(mine, License.license_key.is_not(None)).order_by(License.id)
        )
        seats = db.session.scalar(sa.select(License.id).where(mine, License.max_license_users > 0).order_by(License.id))
        group = db.session.scalar(
            sa.select(UserGroupManager.user_group_id)
            .where(UserGroupManager.manager_id == manager.id)
            .order_by(UserGroupManager.user_group_id)
        ) or db.session.scalar(sa.select(UserGroup.id).order_by(UserGroup.id))
        # A user holding seats of the manager's orders: their page lists their licenses.
        user = db.session.scalar(
            sa.select(LicenseAssignment.license_user_id)
            .where(LicenseAssignment.license_id == seats)
            .order_by(LicenseAssignment.id)
        )
        # A token, so the tokens page shows its list (the demo has none).
        db.session.add(
            ManagerToken(
                vendor_account_id=manager.vendor_account_id,
                manager_id=manager.id,
                name="Build server",
                prefix="demo0001",
                hash="0" * 64,
            )
        )
        db.session.commit()
        floating = db.session.scalar(
            sa.select(Device.id)
            .join(License, License.id == Device.license_id)
            .where(mine, License.is_floating, License.max_borrow_hours > 0, Device.is_active, ~Device.is_revoked)
            .order_by(Device.id)
        )
    return {
        "dashboard": "/portal/",
        "orders": "/portal/orders",
        "order": f"/portal/orders/{order.id}",
        "bundle": "/portal/orders/bundle",
        "new-order": "/portal/orders/new",
        "licenses": "/portal/licenses",
        "license-key": f"/portal/licenses/{keyed}",
        "license-seats": f"/portal/licenses/{seats}",
        "floating": "/portal/floating",
        "users": "/portal/users",
        "user": f"/portal/users/{user}",
        "user-groups": "/portal/user-groups",
        "user-group": f"/portal/user-groups/{group}",
        "reports": "/portal/reports",
        "activity": "/portal/activity",
        "tokens": "/portal/account/tokens",
        "password": "/portal/password/change",
        "notices": "/portal/notices",
        "account": "/portal/account",
        "two-factor": "/portal/account/two-factor",
        "end-sessions": "/portal/account/sessions/end-others",
        "borrow": f"/portal/devices/{floating}/borrow",
        "offline": f"/portal/licenses/{keyed}/offline-activation",
        "confirm": f"/portal/licenses/{keyed}/reset",  # the confirmation page, without JavaScript
    }


def public_pages(app) -> dict[str, str]:
    """The End User Portal's pages before signing in: the sign-in pages and the forgotten password."""
    with app.app_context(), all_tenants(db.session):
        slug = db.session.scalar(sa.select(VendorBranding.slug).order_by(VendorBranding.vendor_account_id))
    return {
        "sign-in": "/portal/login",
        "vendor-sign-in": f"/portal/{slug}/login",
        "forgot-password": "/portal/password/forgot",
    }


def sign_in(page, base: str, email: str = MANAGER) -> None:
    page.goto(f"{base}/portal/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]", timeout=20000)  # a busy machine takes a while to hash
    page.wait_for_url(f"{base}/portal/**", timeout=20000)


def no_sideways_scroll(page) -> bool:
    return page.evaluate(f"{PAGE_WIDTH} <= window.innerWidth")


def wrapped_keys(page) -> list[str]:
    """The license keys on the page that take more than one line (each is one line, cut with an ellipsis)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("code.license-key")].filter(key => {
            const line = parseFloat(getComputedStyle(key).lineHeight) || key.offsetHeight;
            return key.getClientRects().length > 1 || key.getBoundingClientRect().height > line * 1.5;
        }).map(key => key.title || key.textContent)"""
    )


def loose_tables(page) -> list[str]:
    """The tables that neither became cards nor keep their first column in view as they scroll.

    A table whose rows are no longer table rows is shown as cards; otherwise every cell of its
    first column must be sticky inside its scrolling region (``.table-wrap``), so it never leaves.
    """
    return page.evaluate(
        """() => [...document.querySelectorAll("main table")].filter(table => {
            const rows = [...table.rows];
            if (rows.length && rows.every(row => getComputedStyle(row).display !== "table-row")) return false;
            const wrap = table.closest(".table-wrap");
            if (!wrap || getComputedStyle(wrap).overflowX === "visible") return true;
            return rows.some(row => row.cells.length && getComputedStyle(row.cells[0]).position !== "sticky");
        }).map(table => (table.caption && table.caption.textContent.trim()) || table.className || "a table")"""
    )


@dataclass
class Violation:
    rule: str
    impact: str
    targets: list[str]


def axe(page) -> list[Violation]:
    """The serious and critical axe-core violations on the page as it is now."""
    page.evaluate(AXE.read_text())  # through the DevTools protocol: the page's CSP is not involved
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return JSON.stringify(result.violations.map(v => ({
                rule: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))})));
        }"""
    )
    return [Violation(**v) for v in json.loads(found) if v["impact"] in ("serious", "critical")]


def screenshot_differs(page, name: str) -> str | None:
    """Compare the page's screenshot with its baseline; a description of the difference, or None.

    Grey levels at half size: small enough to commit, and a lost stylesheet, a moved block or
    a colour gone from the page still changes far more than MAX_DIFFERENT of the pixels.
    With PORTAL_UPDATE_BASELINES=1 the baseline is written instead.
    """
    from PIL import Image, ImageChops

    masks = [page.locator(MASK)] + [page.locator(m) for n, m in PAGE_MASKS.items() if name.startswith(n)]
    png = page.screenshot(full_page=False, animations="disabled", caret="hide", mask=masks)
    shot = Image.open(io.BytesIO(png)).convert("L")
    shot = shot.resize((shot.width // 2, shot.height // 2))
    path = BASELINES / f"{name}.png"
    if UPDATE or not path.exists():
        if not UPDATE:
            return f"no baseline {path.name}: run with PORTAL_UPDATE_BASELINES=1 to make it"
        shot.save(path, optimize=True)
        return None
    baseline = Image.open(path).convert("L")
    if baseline.size != shot.size:
        return f"{name}: size {shot.size} instead of {baseline.size}"
    diff = ImageChops.difference(shot, baseline).point(lambda v: 255 if v > PIXEL_DELTA else 0)
    changed = diff.histogram()[255] / (shot.width * shot.height)
    if changed > MAX_DIFFERENT:
        shot.save(BASELINES / f"{name}.actual.png")
        return f"{name}: {changed:.1%} of the pixels differ from the baseline (at most {MAX_DIFFERENT:.0%})"
    return None
