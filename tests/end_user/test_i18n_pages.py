"""Every End User Portal page of the demo data, in French and in German, with no English left.

The pages are the URL map's GET rules under ``/portal`` (a page added later is walked too, when
its arguments are among those filled here); each page's visible text (text, titles, labels,
confirmation questions) must hold none of the English msgids' words, once the data on it
(product and people names, emails, references, keys, hostnames, notes) is taken out.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal import tokens
from portal.extensions import db
from portal.models import (
    Device,
    License,
    LicenseAssignment,
    LicenseManager,
    LicenseUser,
    OrderManager,
    Product,
    UserGroup,
    UserGroupMember,
    UserSession,
)
from portal.tenancy import all_tenants
from tests.i18n_check import data_shown, english_left, ensure_compiled

DEMO_PASSWORD = "demo-password"


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    ensure_compiled()


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output


def _arguments(manager: LicenseManager) -> dict[str, list[dict[str, Any]]]:
    """For each endpoint with arguments, the values to walk it with, inside the manager's scope."""
    mine = sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager.id)
    licenses = list(db.session.scalars(sa.select(License).where(License.order_id.in_(mine)).order_by(License.id)))
    by_kind: dict[str, License] = {}
    products = {p.id: p for p in db.session.scalars(sa.select(Product))}
    for lic in licenses:
        kind = "floating" if lic.is_floating else ("user" if products[lic.product_id].is_user_based else "key")
        by_kind.setdefault(kind, lic)
    devices = list(db.session.scalars(sa.select(Device).where(Device.license_id.in_([lic.id for lic in licenses]))))
    active = next(d for d in devices if d.is_active)
    floating = next((d for d in devices if d.floating_in_use), active)
    user_license = by_kind["user"]
    assigned = db.session.scalar(
        sa.select(LicenseUser)
        .join(LicenseAssignment, LicenseAssignment.license_user_id == LicenseUser.id)
        .where(LicenseAssignment.license_id == user_license.id)
        .order_by(LicenseUser.id)
        .limit(1)
    )
    order_id = db.session.scalar(mine.order_by(OrderManager.order_id).limit(1))
    other = db.session.scalar(
        sa.select(OrderManager.manager_id).where(
            OrderManager.order_id == order_id, OrderManager.manager_id != manager.id
        )
    )
    group = db.session.scalar(
        sa.select(UserGroup).order_by(UserGroup.id).where(UserGroup.customer_account_id == manager.customer_account_id)
    )
    member = db.session.scalar(
        sa.select(UserGroupMember.license_user_id).where(UserGroupMember.user_group_id == group.id)
    )
    signed_in = db.session.scalar(sa.select(UserSession.id).where(UserSession.license_manager_id == manager.id))
    license_args = [{"license_id": lic.id} for lic in by_kind.values()]
    device_args = [{"device_id": active.id}, {"device_id": floating.id}]
    return {
        "end_user.licenses.detail": license_args,
        "end_user.licenses.disable": license_args[:1],
        "end_user.licenses.reset": license_args[:1],
        "end_user.offline.activation": license_args[:1],
        "end_user.offline.deactivation": license_args[:1],
        "end_user.licenses.unassign_user": [{"license_id": user_license.id, "user_id": assigned.id}],
        "end_user.devices.reset": device_args,
        "end_user.devices.release": device_args[1:],
        "end_user.devices.revoke": device_args[:1],
        "end_user.devices.borrow": device_args[1:],
        "end_user.orders.detail": [{"order_id": order_id}],
        "end_user.orders.issue_policies": [{"order_id": order_id}],
        "end_user.account.end_session": [{"session_id": signed_in}],
        "end_user.orders.remove_manager": [{"order_id": order_id, "manager_id": other or manager.id}],
        "end_user.user_groups.detail": [{"group_id": group.id}],
        "end_user.user_groups.remove_member": [{"group_id": group.id, "user_id": member}],
        "end_user.users.detail": [{"user_id": assigned.id}, {"user_id": manager.license_user_id}],
        "end_user.users.password": [{"user_id": assigned.id}],
    }


def _pages(app, manager) -> tuple[list[str], list[str]]:
    """The signed-in pages to walk, and the rules left out (arguments this walk cannot fill)."""
    with app.app_context(), all_tenants(db.session):
        manager = db.session.get(LicenseManager, manager.id)
        arguments = _arguments(manager)
    paths, skipped = [], []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.rule.startswith("/portal") or "GET" not in rule.methods or rule.endpoint.startswith("auth."):
                continue
            if not rule.arguments:
                paths.append(rule.build({})[1])
            elif rule.endpoint in NOT_PAGES:
                continue
            elif rule.endpoint in arguments:
                paths += [rule.build(values)[1] for values in arguments[rule.endpoint]]
            else:
                skipped.append(rule.rule)
    return paths, skipped


# Rules under /portal that answer no page to read: an image, a stylesheet, a calendar, a CSV.
NOT_PAGES = {"brand.logo", "brand.stylesheet", "calendar.feed", "end_user.orders.new_keys"}


def _manager(app, email: str) -> LicenseManager:
    with app.app_context(), all_tenants(db.session):
        return db.session.scalar(
            sa.select(LicenseManager)
            .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
            .where(LicenseUser.email == email)
        )


def _signed_out_pages(app) -> list[str]:
    with app.app_context(), all_tenants(db.session):
        user = db.session.scalar(sa.select(LicenseUser).where(LicenseUser.email == "limited@globex.test"))
        raw = tokens.issue(user, tokens.PASSWORD_RESET)
        db.session.commit()
    return ["/portal/login", "/portal/password/forgot", f"/portal/password/reset/{raw}", "/portal/password/reset/nope"]


def _choose(client, locale: str) -> None:
    """Pick the language the way a person does: the chooser's POST (French is also the browser's)."""
    response = client.post(
        "/portal/language", data={"locale": locale, "next": "/portal/", "csrf_token": client.csrf_token()}
    )
    assert response.status_code in (302, 303), response.status_code


@pytest.mark.parametrize("locale", ["fr", "de"])
def test_every_portal_page_speaks_the_chosen_language(app, client, demo, locale):
    headers = {"Accept-Language": "fr-FR,fr;q=0.9"} if locale == "fr" else {"Accept-Language": "en-GB,en;q=0.8"}
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = headers["Accept-Language"]
    if locale != "fr":
        _choose(client, locale)
    pages = _signed_out_pages(app)
    response = client.post(
        "/portal/login",
        data={"email": "full@globex.test", "password": DEMO_PASSWORD, "csrf_token": client.csrf_token()},
    )
    assert response.status_code in (302, 303)
    signed_in, skipped = _pages(app, _manager(app, "full@globex.test"))
    assert len(signed_in) >= 30, signed_in
    with app.app_context(), all_tenants(db.session):
        data = data_shown()
    english: dict[str, list[str]] = {}
    for path in signed_in:
        if path.endswith(".csv"):
            continue  # the CSV exports: data, with the API's column names
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}">' in html, path
        if found := english_left(html, locale, data):
            english[path] = found
    client.post("/portal/logout", data={"csrf_token": client.csrf_token()})
    for path in pages:
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}">' in html, path
        if found := english_left(html, locale, data):
            english[path] = found
    assert not english, "\n".join(f"{path}: {found}" for path, found in english.items())
    assert not skipped or all(re.search(r"<\w+:\w+>", rule) for rule in skipped)


def test_the_check_sees_english_left_on_a_page(app, client, demo):
    """The check itself can fail: an English page read as French is full of English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get("/portal/login").get_data(as_text=True)
    found = english_left(html, "fr")
    assert "Forgot your password" in found and "Sign in" in found
