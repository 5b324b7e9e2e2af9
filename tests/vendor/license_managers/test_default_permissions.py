"""The default permission set: copied into managers created afterwards, never into existing ones."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal import permissions as perms
from portal.extensions import db
from portal.models import (
    AuditEvent,
    DefaultPermissionSet,
    DefaultPolicy,
    DefaultProduct,
    LicenseManager,
    LicenseUser,
    ManagerPolicy,
    ManagerProduct,
)
from tests.vendor.license_managers.support import read

URL = "/vendor/license-managers/default-permissions"


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = make.staff(w["vendor"])
    return w


@pytest.fixture
def staff_client(client, login, world):
    login(world["staff"])
    return client


def _checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]+)" checked', html))


def _default(app, vendor_id: int) -> tuple[list[str], dict[int, int | None], list[int]]:
    def load():
        default = db.session.scalar(
            sa.select(DefaultPermissionSet).where(DefaultPermissionSet.vendor_account_id == vendor_id)
        )
        products = {
            row.product_id: row.cap
            for row in db.session.scalars(
                sa.select(DefaultProduct).where(DefaultProduct.default_permission_set_id == default.id)
            )
        }
        policies = sorted(
            db.session.scalars(
                sa.select(DefaultPolicy.policy_id).where(DefaultPolicy.default_permission_set_id == default.id)
            )
        )
        return perms.to_codes(default.permissions), products, policies

    return read(app, load)


def _manager_scope(app, manager_id: int):
    def load():
        manager = db.session.get(LicenseManager, manager_id)
        products = {
            row.product_id: row.cap
            for row in db.session.scalars(sa.select(ManagerProduct).where(ManagerProduct.manager_id == manager_id))
        }
        policies = sorted(
            db.session.scalars(sa.select(ManagerPolicy.policy_id).where(ManagerPolicy.manager_id == manager_id))
        )
        return perms.to_codes(manager.permissions), products, policies

    return read(app, load)


def _new_set(w) -> dict:
    return {
        "permissions": ["create_order", "edit_license", "manage_user_groups"],
        "products": [str(w["user_product"].id)],
        f"cap-{w['user_product'].id}": "12",
        "policies": [str(w["user_policy"].id)],
    }


def test_page_shows_the_set_and_says_it_applies_to_new_managers_only(staff_client, world):
    response = staff_client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _checked(html, "permissions") == set(perms.FACTORY_DEFAULT)
    assert "copied into each license manager you invite afterwards" in html
    assert "never changes existing managers" in html
    for p in perms.PERMISSIONS:
        assert p.label in html and p.description.replace("'", "&#39;") in html
    assert world["key_product"].name in html and world["key_policy"].name in html


def test_saving_changes_the_set_and_writes_one_audit_event(app, staff_client, world):
    response = staff_client.post(URL, data=_new_set(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Default permissions saved" in html and "existing managers keep" in html
    assert _checked(html, "permissions") == {"create_order", "edit_license", "manage_user_groups"}
    assert 'value="12"' in html
    assert _default(app, world["vendor"].id) == (
        ["create_order", "edit_license", "manage_user_groups"],
        {world["user_product"].id: 12},
        [world["user_policy"].id],
    )
    [event] = read(app, lambda: list(db.session.scalars(sa.select(AuditEvent))))
    assert event.action == "default_permissions.updated"
    assert (event.actor_type, event.actor_label) == ("staff", world["staff"].email)
    assert event.object_type == "default_permission_set"
    assert event.before["permissions"] == list(perms.to_codes(perms.FACTORY_DEFAULT_BITS))
    assert event.after["permissions"] == ["create_order", "edit_license", "manage_user_groups"]
    assert event.after["products"] == [{"product": world["user_product"].name, "cap": 12}]
    assert event.after["policies"] == [world["user_policy"].name]


def test_saving_again_updates_caps_and_drops_what_was_unticked(app, staff_client, world):
    staff_client.post(URL, data=_new_set(world))
    data = {
        "permissions": [],
        "products": [str(world["user_product"].id), str(world["key_product"].id)],
        f"cap-{world['user_product'].id}": "",
        f"cap-{world['key_product'].id}": "0",
        "policies": [str(world["user_policy"].id), str(world["key_policy"].id)],
    }
    assert staff_client.post(URL, data=data).status_code == 200
    policies = sorted([world["user_policy"].id, world["key_policy"].id])
    assert _default(app, world["vendor"].id) == (
        [],
        {world["user_product"].id: None, world["key_product"].id: 0},
        policies,
    )
    events = read(app, lambda: list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))))
    assert len(events) == 2 and events[1].before == events[0].after


def test_saving_the_same_set_changes_nothing(app, staff_client, world):
    html = staff_client.post(URL, data={"permissions": list(perms.FACTORY_DEFAULT)}).get_data(as_text=True)
    assert "Nothing to save" in html
    assert read(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))) == 0


def test_htmx_save_answers_with_the_form_fragment(staff_client, world, hx):
    response = staff_client.post(URL, data=_new_set(world), headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<form id="default-form"')
    assert "<html" not in html and "Default permissions saved" in html
    assert staff_client.get(URL, headers=hx).get_data(as_text=True).lstrip().startswith('<form id="default-form"')


def test_the_set_is_copied_at_creation_and_never_applied_retroactively(app, make, staff_client, world):
    existing = make.manager(
        world["vendor"],
        email="old@globex.test",
        permissions=["reset_license"],
        products=[world["key_product"]],
        caps={world["key_product"].id: 3},
        policies=[world["key_policy"]],
    )
    existing_scope = _manager_scope(app, existing.id)
    staff_client.post(URL, data=_new_set(world))
    assert _manager_scope(app, existing.id) == existing_scope  # untouched by the change

    # The invite form now starts from the new set; sending it as shown copies the set.
    form = staff_client.get("/vendor/license-managers/new").get_data(as_text=True)
    shown = {
        "permissions": sorted(_checked(form, "permissions")),
        "products": sorted(_checked(form, "products")),
        "policies": sorted(_checked(form, "policies")),
    }
    assert shown == {k: sorted(v) for k, v in _new_set(world).items() if k in shown}
    caps = dict(re.findall(r'name="cap-(\d+)"[^>]*value="(\d*)"', form.replace("\n", " ")))
    data = {**shown, "email": "fresh@globex.test", **{f"cap-{k}": v for k, v in caps.items()}}
    assert staff_client.post("/vendor/license-managers/new", data=data).status_code == 303
    fresh_id = read(
        app,
        lambda: db.session.scalar(
            sa.select(LicenseManager.id)
            .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
            .where(LicenseUser.email == "fresh@globex.test")
        ),
    )
    fresh_scope = (
        ["create_order", "edit_license", "manage_user_groups"],
        {world["user_product"].id: 12},
        [world["user_policy"].id],
    )
    assert _manager_scope(app, fresh_id) == fresh_scope

    # Changing the set again touches neither manager.
    staff_client.post(URL, data={"permissions": ["borrow_license"]})
    assert _manager_scope(app, existing.id) == existing_scope
    assert _manager_scope(app, fresh_id) == fresh_scope


def test_another_vendors_set_is_separate(app, make, staff_client, world):
    other = make.vendor()
    staff_client.post(URL, data=_new_set(world))
    assert _default(app, other.id) == (perms.to_codes(perms.FACTORY_DEFAULT_BITS), {}, [])


BAD = {
    "unknown permission": ({"permissions": ["create_order", "fly"]}, "permissions", "Unknown permission: fly"),
    "negative cap": ({"products": ["KEY"], "cap-KEY": "-3"}, "cap-KEY", "0 or more"),
    "another vendor's product": ({"products": ["OTHER_PRODUCT"]}, "products", "Unknown product"),
    "another vendor's policy": ({"policies": ["OTHER_POLICY"]}, "policies", "Unknown license policy"),
    "policy id not a number": ({"policies": ["one"]}, "policies", "Invalid choice"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_refused_and_nothing_changes(app, make, staff_client, world, case):
    other = make.world()
    data, field, message = BAD[case]
    key = str(world["key_product"].id)
    values = {"KEY": key, "OTHER_PRODUCT": str(other["key_product"].id), "OTHER_POLICY": str(other["key_policy"].id)}
    data = {
        k.replace("KEY", key): [values.get(v, v) for v in val] if isinstance(val, list) else val
        for k, val in data.items()
    }
    before = _default(app, world["vendor"].id)
    response = staff_client.post(URL, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{re.escape(field.replace("KEY", key))}-error">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert "Nothing was saved" in html
    assert _default(app, world["vendor"].id) == before
    assert read(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))) == 0


def test_only_staff(client, login, make, world):
    assert client.get(URL).status_code == 302
    login(make.manager(world["vendor"], permissions="all"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"permissions": ["create_order"]}).status_code == 403
