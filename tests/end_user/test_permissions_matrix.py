"""Each permission of these areas: with it the action is done; without it, 403 naming it, nothing written.

The manager without the permission holds every other one, so only the missing permission
can be what refuses them.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal import permissions as perms
from portal.models import Device, License, LicenseAssignment, LicenseUser, UserGroup, UserGroupMember, utcnow
from tests.end_user.licenses.support import get, rows, snapshot


def build(make, permissions):
    """Objects for every action, and a manager with exactly these permissions on them."""
    w = make.world()
    vendor = w["vendor"]
    manager = make.manager(vendor, permissions=permissions, account=w["account"], orders=[w["order"]])
    floating_policy = make.policy(
        make.product(vendor, floating=True), is_floating=True, floating_seats=3, max_activations=5, max_borrow_hours=24
    )
    o = dict(manager=manager, vendor=vendor)
    o["license"] = make.license(w["order"], w["key_policy"], status="active")
    o["device"] = make.device(o["license"])
    o["revoked"] = make.device(o["license"], is_revoked=True, is_active=False, count=False)
    o["disabled"] = make.license(w["order"], w["key_policy"], status="disabled", status_before_disable="active")
    o["floating"] = make.license(w["order"], floating_policy)
    o["holder"] = make.device(o["floating"], floating_in_use=True, floating_since=utcnow())
    o["seats"] = make.license(w["order"], w["user_policy"])
    o["user"] = make.license_user(vendor, email="seated@customer.test", account=w["account"])
    make.assignment(o["seats"], o["user"])
    o["group"] = make.user_group(vendor, managers=[manager], members=[o["user"]], name="Team")
    return o


def until() -> str:
    return (utcnow() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def assigned(app, o, email):
    return rows(
        app,
        sa.select(LicenseAssignment.id)
        .join(LicenseUser)
        .where(LicenseAssignment.license_id == o["seats"].id, LicenseUser.email == email),
    )


# (permission, what, request(client, objects), done(app, objects))
ACTIONS = [
    (
        "edit_license",
        "disable",
        lambda c, o: c.post(f"/portal/licenses/{o['license'].id}/disable"),
        lambda app, o: get(app, License, o["license"].id).status == "disabled",
    ),
    (
        "edit_license",
        "enable",
        lambda c, o: c.post(f"/portal/licenses/{o['disabled'].id}/enable"),
        lambda app, o: get(app, License, o["disabled"].id).status == "active",
    ),
    (
        "edit_license",
        "note",
        lambda c, o: c.post(f"/portal/licenses/{o['license'].id}/note", data={"note": "hi"}),
        lambda app, o: get(app, License, o["license"].id).note == "hi",
    ),
    (
        "reset_license",
        "reset license",
        lambda c, o: c.post(f"/portal/licenses/{o['license'].id}/reset"),
        lambda app, o: get(app, License, o["license"].id).times_activated == 0,
    ),
    (
        "reset_device",
        "reset device",
        lambda c, o: c.post(f"/portal/devices/{o['device'].id}/reset"),
        lambda app, o: not get(app, Device, o["device"].id).is_active,
    ),
    (
        "reset_device",
        "release seat",
        lambda c, o: c.post(f"/portal/devices/{o['holder'].id}/release"),
        lambda app, o: not get(app, Device, o["holder"].id).floating_in_use,
    ),
    (
        "revoke_device",
        "revoke",
        lambda c, o: c.post(f"/portal/devices/{o['device'].id}/revoke"),
        lambda app, o: get(app, Device, o["device"].id).is_revoked,
    ),
    (
        "revoke_device",
        "unrevoke",
        lambda c, o: c.post(f"/portal/devices/{o['revoked'].id}/unrevoke"),
        lambda app, o: not get(app, Device, o["revoked"].id).is_revoked,
    ),
    (
        "borrow_license",
        "borrow",
        lambda c, o: c.post(f"/portal/devices/{o['holder'].id}/borrow", data={"until": until()}),
        lambda app, o: get(app, Device, o["holder"].id).borrowed_until is not None,
    ),
    (
        "manage_license_users",
        "assign",
        lambda c, o: c.post(f"/portal/licenses/{o['seats'].id}/users", data={"email": "new@customer.test"}),
        lambda app, o: assigned(app, o, "new@customer.test"),
    ),
    (
        "manage_license_users",
        "unassign",
        lambda c, o: c.post(f"/portal/licenses/{o['seats'].id}/users/{o['user'].id}/unassign"),
        lambda app, o: not assigned(app, o, "seated@customer.test"),
    ),
    (
        "manage_license_user_credentials",
        "password",
        lambda c, o: c.post(f"/portal/users/{o['user'].id}/password", data={"password": "a fine password"}),
        lambda app, o: get(app, LicenseUser, o["user"].id).password_hash is not None,
    ),
    (
        "manage_user_groups",
        "create group",
        lambda c, o: c.post("/portal/user-groups", data={"name": "New", "code": "new-group"}),
        lambda app, o: rows(app, sa.select(UserGroup.id).where(UserGroup.code == "new-group")),
    ),
    (
        "manage_user_groups",
        "rename group",
        lambda c, o: c.post(f"/portal/user-groups/{o['group'].id}", data={"name": "Renamed"}),
        lambda app, o: get(app, UserGroup, o["group"].id).name == "Renamed",
    ),
    (
        "manage_user_groups",
        "add member",
        lambda c, o: c.post(f"/portal/user-groups/{o['group'].id}/members", data={"email": "m@customer.test"}),
        lambda app, o: (
            len(
                rows(
                    app,
                    sa.select(UserGroupMember.license_user_id).where(UserGroupMember.user_group_id == o["group"].id),
                )
            )
            == 2
        ),
    ),
    (
        "manage_user_groups",
        "remove member",
        lambda c, o: c.post(f"/portal/user-groups/{o['group'].id}/members/{o['user'].id}/remove"),
        lambda app, o: (
            not rows(
                app, sa.select(UserGroupMember.license_user_id).where(UserGroupMember.user_group_id == o["group"].id)
            )
        ),
    ),
]
IDS = [f"{code}-{what}" for code, what, _, _ in ACTIONS]


def test_every_permission_of_these_areas_has_an_action():
    assert {code for code, *_ in ACTIONS} == {
        "edit_license",
        "reset_license",
        "reset_device",
        "revoke_device",
        "borrow_license",
        "manage_license_users",
        "manage_license_user_credentials",
        "manage_user_groups",
    }


@pytest.mark.parametrize("code, what, send, done", ACTIONS, ids=IDS)
def test_with_the_permission_the_action_is_done(app, client, make, login, code, what, send, done):
    o = build(make, [code])
    login(o["manager"])
    response = send(client, o)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert done(app, o)


@pytest.mark.parametrize("code, what, send, done", ACTIONS, ids=IDS)
def test_without_it_403_naming_it_and_nothing_written(app, client, make, login, code, what, send, done):
    o = build(make, [c for c in perms.CODES if c != code])
    login(o["manager"])
    before = snapshot(app)
    response = send(client, o)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert code in body and perms.label(code) in body
    assert snapshot(app) == before
    assert not done(app, o)
