"""User groups: list with member counts, create, rename, add and remove members."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models import LicenseUser, UserGroup, UserGroupManager, UserGroupMember
from tests.end_user.licenses.support import events, field_error, get, rows, scene, snapshot


@pytest.fixture
def w(make, login):
    w = scene(make)
    login(w["manager"])
    return w


def members(app, group_id) -> list[str]:
    return sorted(
        rows(
            app,
            sa.select(LicenseUser.email)
            .join(UserGroupMember, UserGroupMember.license_user_id == LicenseUser.id)
            .where(UserGroupMember.user_group_id == group_id),
        )
    )


def test_list_shows_the_managed_groups_with_member_counts(client, make, w):
    users = [make.license_user(w["vendor"]) for _ in range(3)]
    mine = make.user_group(w["vendor"], members=users, managers=[w["manager"]], name="Design team")
    other = make.user_group(w["vendor"], members=users[:1], name="Not managed by me")
    html = client.get("/portal/user-groups").get_data(as_text=True)
    assert "Design team" in html and other.name not in html
    row = html.split("Design team")[1].split("</tr>")[0]
    assert '<td class="num">3</td>' in row
    assert mine.code in html


def test_create_a_group_its_creator_manages(client, make, w):
    response = client.post(
        "/portal/user-groups", data={"name": "Render farm", "code": "render-farm", "description": "GPU boxes"}
    )
    assert response.status_code == 303
    (group,) = rows(make.app, sa.select(UserGroup).where(UserGroup.code == "render-farm"))
    assert response.headers["Location"].endswith(f"/portal/user-groups/{group.id}")
    assert (group.name, group.description) == ("Render farm", "GPU boxes")
    assert group.customer_account_id == w["account"].id
    assert group.created_by_manager_id == w["manager"].id
    assert rows(make.app, sa.select(UserGroupManager.manager_id).where(UserGroupManager.user_group_id == group.id)) == [
        w["manager"].id
    ]
    (event,) = events(make.app, "user_group.created")
    assert event.after["code"] == "render-farm"
    assert "Render farm" in client.get("/portal/user-groups").get_data(as_text=True)


def test_a_code_in_use_anywhere_in_the_vendor_is_422(client, make, w):
    make.user_group(w["vendor"], account=make.customer_account(w["vendor"]))
    taken = rows(make.app, sa.select(UserGroup.code))[0]
    before = snapshot(make.app)
    response = client.post("/portal/user-groups", data={"name": "Mine", "code": taken})
    assert response.status_code == 422
    assert "already used" in field_error(response.get_data(as_text=True), "code")
    assert snapshot(make.app) == before


def test_another_vendors_code_is_free(client, make, w):
    other = make.world()
    group = make.user_group(other["vendor"])
    assert client.post("/portal/user-groups", data={"name": "Mine", "code": group.code}).status_code == 303


def test_invalid_group_form_is_422_and_htmx_gets_the_form(client, make, w, hx):
    response = client.post("/portal/user-groups", data={"name": "", "code": "has space"}, headers=hx)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form method="post" action="/portal/user-groups"')
    assert field_error(body, "name") == "Give the group a name."
    assert "Use letters" in field_error(body, "code")


def test_rename(client, make, w):
    group = make.user_group(w["vendor"], managers=[w["manager"]], name="Old")
    response = client.post(f"/portal/user-groups/{group.id}", data={"name": "New", "description": "Now"})
    assert response.status_code == 303
    stored = get(make.app, UserGroup, group.id)
    assert (stored.name, stored.description, stored.code) == ("New", "Now", group.code)
    (event,) = events(make.app, "user_group.renamed")
    assert (event.before["name"], event.after["name"]) == ("Old", "New")
    assert client.post(f"/portal/user-groups/{group.id}", data={"name": ""}).status_code == 422


def test_add_members_known_and_unknown(client, make, w):
    group = make.user_group(w["vendor"], managers=[w["manager"]])
    make.license_user(w["vendor"], email="ada@customer.test", account=w["account"])
    client.post(f"/portal/user-groups/{group.id}/members", data={"email": "ada@customer.test"})
    response = client.post(
        f"/portal/user-groups/{group.id}/members", data={"email": "new@customer.test", "first_name": "New"}
    )
    assert response.status_code == 303
    assert members(make.app, group.id) == ["ada@customer.test", "new@customer.test"]
    (new,) = rows(make.app, sa.select(LicenseUser).where(LicenseUser.email == "new@customer.test"))
    assert new.customer_account_id == w["account"].id and new.first_name == "New"
    assert len(events(make.app, "user_group.member_added")) == 2
    html = client.get(f"/portal/user-groups/{group.id}").get_data(as_text=True)
    assert "ada@customer.test" in html and "Members (2)" in html


def test_adding_a_member_twice_is_422(client, make, w):
    user = make.license_user(w["vendor"], email="ada@customer.test")
    group = make.user_group(w["vendor"], managers=[w["manager"]], members=[user])
    before = snapshot(make.app)
    response = client.post(f"/portal/user-groups/{group.id}/members", data={"email": "ada@customer.test"})
    assert response.status_code == 422
    assert "already a member" in field_error(response.get_data(as_text=True), "email")
    assert snapshot(make.app) == before


def test_remove_a_member_with_confirmation(client, make, w, hx):
    user = make.license_user(w["vendor"], email="ada@customer.test")
    group = make.user_group(w["vendor"], managers=[w["manager"]], members=[user])
    page = client.get(f"/portal/user-groups/{group.id}/members/{user.id}/remove")
    assert page.status_code == 200 and "Remove ada@customer.test" in page.get_data(as_text=True)
    response = client.post(f"/portal/user-groups/{group.id}/members/{user.id}/remove", headers=hx)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="group-detail">')
    assert "ada@customer.test removed from the group." in body
    assert members(make.app, group.id) == []
    assert events(make.app, "user_group.member_removed")[0].before == {"member": "ada@customer.test"}
    # No longer a member: nothing to remove.
    assert client.post(f"/portal/user-groups/{group.id}/members/{user.id}/remove").status_code == 404


def test_group_pages_cost_the_same_at_5_and_60_rows(client, make, w, count_queries):
    group = make.user_group(w["vendor"], managers=[w["manager"]])
    counts = []
    for n in (5, 60):
        for _ in range(n):
            user = make.license_user(w["vendor"])
            make.user_group(w["vendor"], managers=[w["manager"]], members=[user])
            make._save(w["vendor"].id, UserGroupMember(user_group_id=group.id, license_user_id=user.id))
        with count_queries() as q:
            client.get("/portal/user-groups")
            client.get(f"/portal/user-groups/{group.id}")
        counts.append(q.count)
    assert counts[0] == counts[1]


# Whom an email reaches (issue 8, finding 2): a group of one customer holds that customer's users.

UNREACHABLE = "This email cannot be used here. Check the address, or ask your vendor to add this person."


@pytest.mark.parametrize("who", ["other customer", "no customer"])
def test_a_member_out_of_reach_is_refused_and_reveals_nothing(client, make, w, who):
    group = make.user_group(w["vendor"], managers=[w["manager"]], account=w["account"])
    account = make.customer_account(w["vendor"]) if who == "other customer" else None
    target = make.license_user(w["vendor"], email="eve@rival.test", first_name="Evelyn", account=account)
    before = snapshot(make.app)
    response = client.post(f"/portal/user-groups/{group.id}/members", data={"email": "eve@rival.test"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "email") == UNREACHABLE and "Evelyn" not in html
    assert snapshot(make.app) == before
    assert client.get(f"/portal/users/{target.id}").status_code == 404
    assert client.post(f"/portal/users/{target.id}/password", data={"password": "taken over now"}).status_code == 404


def test_a_groups_new_and_own_customers_members(client, make, w):
    group = make.user_group(w["vendor"], managers=[w["manager"]], account=w["account"])
    own = make.license_user(w["vendor"], email="own@customer.test", account=w["account"])
    for email in ("new@customer.test", own.email):
        assert client.post(f"/portal/user-groups/{group.id}/members", data={"email": email}).status_code == 303
    assert members(make.app, group.id) == ["new@customer.test", "own@customer.test"]
    (new,) = rows(make.app, sa.select(LicenseUser).where(LicenseUser.email == "new@customer.test"))
    assert new.customer_account_id == w["account"].id
