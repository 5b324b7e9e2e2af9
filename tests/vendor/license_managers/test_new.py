"""Inviting a license manager: the form, promotion of a license user, bad input, the invitation."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal import permissions as perms
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.models import (
    AuditEvent,
    DefaultPolicy,
    DefaultProduct,
    LicenseManager,
    LicenseUser,
    ManagerPolicy,
    ManagerProduct,
    OrderManager,
    OutboxMail,
)
from portal.services.license_managers import actions, permission_sets
from portal.services.license_managers.permission_sets import PermissionSet
from portal.tenancy import set_tenant
from tests.vendor.license_managers.support import read, scalar

URL = "/vendor/license-managers/new"


@pytest.fixture
def world(make, app):
    w = make.world()
    w["staff"] = make.staff(w["vendor"])
    w["other"] = make.world()  # another vendor with its own account, products, policies, order
    # The default set: two permissions, the key product with a cap of 5 and its policy.
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        default = permission_sets.default_set()
        default.permissions = perms.to_bits(["issue_license", "reset_device"])
        db.session.add_all(
            [
                DefaultProduct(default_permission_set_id=default.id, product_id=w["key_product"].id, cap=5),
                DefaultPolicy(default_permission_set_id=default.id, policy_id=w["key_policy"].id),
            ]
        )
        db.session.commit()
    return w


@pytest.fixture
def staff_client(client, login, world):
    login(world["staff"])
    return client


def _checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]+)" checked', html))


def _valid(w, **changes) -> dict:
    data = {
        "email": "new.manager@globex.test",
        "first_name": "Nia",
        "last_name": "Okafor",
        "customer_account": str(w["account"].id),
        "orders": [str(w["order"].id)],
        "permissions": ["issue_license", "reset_license"],
        "products": [str(w["key_product"].id), str(w["user_product"].id)],
        f"cap-{w['key_product'].id}": "7",
        f"cap-{w['user_product'].id}": "",
        # Each allowed product needs one of its policies allowed.
        "policies": [str(w["key_policy"].id), str(w["user_policy"].id)],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _counts(app) -> tuple[int, ...]:
    return tuple(
        scalar(app, sa.select(sa.func.count()).select_from(model))
        for model in (LicenseUser, LicenseManager, ManagerProduct, ManagerPolicy, OrderManager, AuditEvent, OutboxMail)
    )


def test_form_starts_from_the_default_set(staff_client, world):
    response = staff_client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _checked(html, "permissions") == {"issue_license", "reset_device"}
    assert _checked(html, "products") == {str(world["key_product"].id)}
    assert re.search(rf'name="cap-{world["key_product"].id}"[^>]*placeholder="No cap" value="5"', html)
    assert _checked(html, "policies") == {str(world["key_policy"].id)}
    for name in ("email", "first_name", "last_name", "customer_account", "csrf_token"):
        assert f'name="{name}"' in html
    assert f'name="orders" value="{world["order"].id}"' in html
    # Only this vendor's customer accounts, orders, products and policies are offered.
    other = world["other"]
    assert other["account"].name not in html and other["order"].reference not in html
    assert other["key_product"].name not in html and other["key_policy"].name not in html


def test_create_an_invited_manager_with_the_chosen_scope(app, staff_client, world):
    response = staff_client.post(URL, data=_valid(world))
    assert response.status_code == 303
    manager = read(
        app,
        lambda: db.session.scalar(
            sa.select(LicenseManager)
            .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
            .where(LicenseUser.email == "new.manager@globex.test")
        ),
    )
    assert response.headers["Location"].endswith(f"/vendor/license-managers/{manager.id}")
    assert manager.status == "invited" and manager.invited_at is not None
    assert manager.vendor_account_id == world["vendor"].id
    assert manager.customer_account_id == world["account"].id
    assert perms.to_codes(manager.permissions) == ["issue_license", "reset_license"]
    user = read(app, lambda: db.session.get(LicenseUser, manager.license_user_id))
    assert (user.first_name, user.last_name, user.customer_account_id, user.password_hash) == (
        "Nia",
        "Okafor",
        world["account"].id,
        None,
    )
    caps = read(
        app,
        lambda: {
            p.product_id: p.cap
            for p in db.session.scalars(sa.select(ManagerProduct).where(ManagerProduct.manager_id == manager.id))
        },
    )
    assert caps == {world["key_product"].id: 7, world["user_product"].id: None}
    assert read(
        app,
        lambda: list(
            db.session.scalars(
                sa.select(ManagerPolicy.policy_id)
                .where(ManagerPolicy.manager_id == manager.id)
                .order_by(ManagerPolicy.policy_id)
            )
        ),
    ) == sorted([world["key_policy"].id, world["user_policy"].id])
    assert read(
        app,
        lambda: list(db.session.scalars(sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager.id))),
    ) == [world["order"].id]
    with staff_client.session_transaction() as session:
        assert ("success", "Invitation sent to new.manager@globex.test.") in session["_flashes"]


def test_creation_writes_one_audit_event_with_the_after_state(app, staff_client, world):
    staff_client.post(URL, data=_valid(world))
    [event] = read(app, lambda: list(db.session.scalars(sa.select(AuditEvent))))
    assert event.action == "license_manager.created"
    assert (event.actor_type, event.actor_label) == ("staff", world["staff"].email)
    assert event.object_type == "license_manager" and event.object_label == "new.manager@globex.test"
    assert event.before is None
    assert event.after["permissions"] == ["issue_license", "reset_license"]
    assert event.after["orders"] == [world["order"].reference]
    assert event.after["customer_account"] == world["account"].name
    assert {"product": world["key_product"].name, "cap": 7} in event.after["products"]
    assert event.after["policies"] == sorted([world["key_policy"].name, world["user_policy"].name])
    assert event.after["status"] == "invited" and event.after["promoted_license_user"] is False


def test_the_invitation_mail_holds_a_working_set_password_link(app, client, staff_client, world):
    staff_client.post(URL, data=_valid(world))
    [mail] = read(app, lambda: list(db.session.scalars(sa.select(OutboxMail))))
    assert mail.to == "new.manager@globex.test"
    assert world["vendor"].name in mail.subject
    assert mail.sent_at is not None and mail.error == ""  # no SMTP in tests: logged and kept
    link = re.search(r"https?://\S+/portal/password/reset/\S+", mail.body).group(0)
    fresh = app.test_client()
    page = fresh.get(urlsplit(link).path)
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    done = fresh.post(urlsplit(link).path, data={"password": "a long new password", "confirm": "a long new password"})
    assert done.status_code == 303
    assert read(app, lambda: db.session.scalar(sa.select(LicenseManager.status))) == "active"


def test_an_existing_license_user_is_promoted_not_duplicated(app, make, staff_client, world):
    user = make.license_user(world["vendor"], email="known@globex.test", first_name="Kim", last_name="Known")
    response = staff_client.post(URL, data=_valid(world, email="Known@Globex.test ", first_name="Other", last_name=""))
    assert response.status_code == 303
    users = read(
        app, lambda: list(db.session.scalars(sa.select(LicenseUser).where(LicenseUser.email == "known@globex.test")))
    )
    assert [u.id for u in users] == [user.id]
    assert (users[0].first_name, users[0].last_name) == ("Kim", "Known")  # their details are kept
    manager = read(app, lambda: db.session.scalar(sa.select(LicenseManager)))
    assert manager.license_user_id == user.id and manager.status == "invited"
    event = read(app, lambda: db.session.scalar(sa.select(AuditEvent)))
    assert event.after["promoted_license_user"] is True
    with staff_client.session_transaction() as session:
        messages = [m for _, m in session["_flashes"]]
    assert "Invitation sent to known@globex.test." in messages
    assert any("already a license user" in m for m in messages)


def test_an_email_that_is_already_a_manager_is_refused_at_the_field(app, make, staff_client, world):
    make.manager(world["vendor"], email="taken@globex.test")
    before = _counts(app)
    response = staff_client.post(URL, data=_valid(world, email="TAKEN@globex.test"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="email-error">taken@globex.test is already a license manager.', html)
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'aria-describedby="email-error"' in email_input and 'aria-invalid="true"' in email_input
    assert _counts(app) == before


def test_another_vendors_user_with_the_same_email_is_not_touched(app, make, staff_client, world):
    theirs = make.manager(world["other"]["vendor"], email="same@mail.test")
    assert staff_client.post(URL, data=_valid(world, email="same@mail.test")).status_code == 303
    users = read(
        app, lambda: list(db.session.scalars(sa.select(LicenseUser).where(LicenseUser.email == "same@mail.test")))
    )
    assert len(users) == 2
    assert read(app, lambda: db.session.get(LicenseManager, theirs.id).status) == "active"


BAD_INPUT = {
    "missing email": ({"email": ""}, "email", "Enter the manager"),
    "invalid email": ({"email": "not-an-email"}, "email", "Enter a valid email"),
    "long email": ({"email": "a" * 250 + "@x.test"}, "email", "254"),
    "long first name": ({"first_name": "N" * 101}, "first_name", "100"),
    "long last name": ({"last_name": "O" * 101}, "last_name", "100"),
    "unknown permission": (
        {"permissions": ["issue_license", "launch_rockets"]},
        "permissions",
        "Unknown permission: launch_rockets",
    ),
    "another vendor's order": ({"orders": "OTHER_ORDER"}, "orders", "Unknown order"),
    "order id not a number": ({"orders": ["12abc"]}, "orders", "Invalid choice"),
    "order id too big": ({"orders": [str(2**40)]}, "orders", "Unknown order"),
    "another vendor's customer account": (
        {"customer_account": "OTHER_ACCOUNT"},
        "customer_account",
        "Unknown customer account",
    ),
    "customer account not a number": ({"customer_account": "x"}, "customer_account", "Invalid Choice"),
    "another vendor's product": ({"products": "OTHER_PRODUCT"}, "products", "Unknown product"),
    "product id not a number": ({"products": ["abc"]}, "products", "Unknown product: abc"),
    "another vendor's policy": ({"policies": "OTHER_POLICY"}, "policies", "Unknown license policy"),
    "negative cap": ({"cap-KEY": "-1"}, "cap-KEY", "A cap must be 0 or more."),
    "cap not a number": ({"cap-KEY": "lots"}, "cap-KEY", "Enter a whole number"),
    "cap too big": ({"cap-KEY": "99999999999"}, "cap-KEY", "at most"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_refused_at_its_field_and_nothing_is_written(app, staff_client, world, case):
    changes, field, message = BAD_INPUT[case]
    other, key = world["other"], str(world["key_product"].id)
    stand_ins = {
        "OTHER_ORDER": [str(other["order"].id)],
        "OTHER_ACCOUNT": str(other["account"].id),
        "OTHER_PRODUCT": [key, str(other["key_product"].id)],
        "OTHER_POLICY": [str(other["key_policy"].id)],
    }
    changes = {k.replace("KEY", key): stand_ins.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    field = field.replace("KEY", key)
    before = _counts(app)
    response = staff_client.post(URL, data=_valid(world, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html[html.find('class="error"') - 200 :][:600]
    assert "Nothing was saved" in html
    assert _counts(app) == before
    # The form comes back as it was sent.
    assert 'value="new.manager@globex.test"' in html or field == "email"


def test_the_form_comes_back_with_what_was_ticked(staff_client, world):
    data = _valid(world, email="", permissions=["manage_managers"], policies=[])
    html = staff_client.post(URL, data=data).get_data(as_text=True)
    assert _checked(html, "permissions") == {"manage_managers"}
    assert _checked(html, "products") == {str(world["key_product"].id), str(world["user_product"].id)}
    assert _checked(html, "policies") == set()
    assert _checked(html, "orders") == {str(world["order"].id)}
    assert f'<option value="{world["account"].id}" selected>' in html


def test_without_a_csrf_token_nothing_is_written(app, staff_client, world):
    before = _counts(app)
    staff_client.send_csrf = False
    assert staff_client.post(URL, data=_valid(world)).status_code == 400
    assert _counts(app) == before


def test_only_staff_may_invite(client, login, make, world):
    assert client.get(URL).status_code == 302
    login(make.manager(world["vendor"], permissions="all"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=_valid(world)).status_code == 403


def test_order_choices_follow_the_search_and_keep_ticked_orders(make, staff_client, world, hx):
    vendor = world["vendor"]
    findme = make.order(vendor, reference="FIND-ME-1")
    other_account = make.customer_account(vendor)
    other_customer = make.customer(vendor, other_account)
    elsewhere = make.order(vendor, other_customer, reference="ELSEWHERE-2")
    url = URL + "/orders"
    html = staff_client.get(
        url, query_string={"order_q": "find-me", "orders": [world["order"].id]}, headers=hx
    ).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="order-choices"')
    assert _checked(html, "orders") == {str(world["order"].id)}  # ticked ones stay
    assert "FIND-ME-1" in html and "ELSEWHERE-2" not in html
    by_account = staff_client.get(url, query_string={"customer_account": other_account.id}, headers=hx).get_data(
        as_text=True
    )
    assert "ELSEWHERE-2" in by_account and "FIND-ME-1" not in by_account
    theirs = staff_client.get(
        url,
        query_string={"order_q": world["other"]["order"].reference, "orders": [world["other"]["order"].id]},
        headers=hx,
    ).get_data(as_text=True)
    assert world["other"]["order"].reference not in theirs
    # Without JavaScript the same search is the invite page itself.
    page = staff_client.get(URL, query_string={"order_q": "elsewhere"}).get_data(as_text=True)
    assert "ELSEWHERE-2" in page and "FIND-ME-1" not in page
    assert staff_client.get(url + "?order_q=x").status_code == 302
    assert findme and elsewhere


def test_the_service_refuses_another_vendors_ids_itself(app, world):
    """Defence in depth: the service loads every id through the tenant before linking it."""
    other = world["other"]
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        for kwargs, field in (
            ({"order_ids": [other["order"].id]}, "orders"),
            ({"customer_account_id": other["account"].id}, "customer_account"),
            ({"permission_set": PermissionSet(products={other["key_product"].id: None})}, "products"),
            ({"permission_set": PermissionSet(policies=(other["key_policy"].id,))}, "policies"),
        ):
            kwargs.setdefault("permission_set", PermissionSet())
            with pytest.raises(Invalid) as raised:
                actions.create_manager(email="x@y.test", vendor_name="V", actor=Actor.system(), **kwargs)
            assert list(raised.value.errors) == [field]
            db.session.rollback()


def test_the_redirect_lands_on_the_new_managers_page_with_the_flash(staff_client, world):
    response = staff_client.post(URL, data=_valid(world), follow_redirects=True)
    assert response.status_code == 200
    assert re.fullmatch(r"/vendor/license-managers/\d+", response.request.path)
    assert "Invitation sent to new.manager@globex.test." in response.get_data(as_text=True)
