"""The lists inside detail pages sort by their columns: group members, a license's users and floating
seats, a user's licenses (a paged table), API tokens. Sorting is SQL, whitelisted, kept by the pagers,
and costs the same queries however many rows there are."""

from __future__ import annotations

import re

import pytest

from portal.models import Device, ManagerToken, UserGroupMember, utcnow
from tests.end_user.licenses.support import scene
from tests.end_user.orders.support import update


def user_emails(html: str) -> list[str]:
    return re.findall(r'<a href="/portal/users/\d+">([^<]+)</a>', html)


def keys(html: str) -> list[str]:
    return re.findall(r'<code class="license-key" title="([^"]+)"', html)


def link(html: str, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', html)
    assert match, pattern
    return match.group(1).replace("&amp;", "&")


@pytest.fixture
def w(make):
    return scene(make)


def test_group_members_sort_by_email_name_and_last_sign_in(client, make, login, w):
    now = utcnow()
    people = [
        make.license_user(w["vendor"], email="mia@globex.test", last_name="Zeta", last_login_at=now),
        make.license_user(w["vendor"], email="abe@globex.test", last_name="Moss"),
        make.license_user(w["vendor"], email="zoe@globex.test", last_name="Adams"),
    ]
    group = make.user_group(w["vendor"], managers=[w["manager"]], members=people)
    login(w["manager"])
    url = f"/portal/user-groups/{group.id}"
    page = client.get(url).get_data(as_text=True)
    assert user_emails(page) == ["abe@globex.test", "mia@globex.test", "zoe@globex.test"]
    assert re.search(
        r'<th scope="col" aria-sort="ascending">\s*<a class="sort-link sorted" href="[^"]*sort=-email', page
    )
    assert user_emails(client.get(f"{url}?sort=-email").get_data(as_text=True))[0] == "zoe@globex.test"
    assert user_emails(client.get(f"{url}?sort=name").get_data(as_text=True)) == [
        "zoe@globex.test",
        "abe@globex.test",
        "mia@globex.test",
    ]
    assert user_emails(client.get(f"{url}?sort=-last_login").get_data(as_text=True))[0] == "mia@globex.test"
    bad = client.get(f"{url}?sort=password_hash")
    assert bad.status_code == 200 and user_emails(bad.get_data(as_text=True))[0] == "abe@globex.test"


def test_group_members_pager_keeps_the_sort_and_swaps_the_region(client, make, login, w, hx):
    people = [make.license_user(w["vendor"], email=f"m{i:02d}@globex.test") for i in range(30)]
    group = make.user_group(w["vendor"], managers=[w["manager"]], members=people)
    login(w["manager"])
    page = client.get(f"/portal/user-groups/{group.id}?sort=-email").get_data(as_text=True)
    assert user_emails(page)[0] == "m29@globex.test"
    assert "1–25 of 30 members" in page
    following = link(page, r"/portal/user-groups/\d+\?[^\"]*page=2[^\"]*")
    assert "sort=-email" in following
    fragment = client.get(following, headers=hx).get_data(as_text=True)
    assert "<html" not in fragment and user_emails(fragment) == [f"m{i:02d}@globex.test" for i in range(4, -1, -1)]


def test_a_licenses_users_sort_and_keep_the_devices_sort(client, make, login, w):
    lic = make.license(w["order"], w["seat_policy"], license_key=None)
    for email, last in (("kim@globex.test", "Young"), ("ann@globex.test", "Smith"), ("ted@globex.test", "Brown")):
        make.assignment(lic, make.license_user(w["vendor"], email=email, last_name=last, account=w["account"]))
    login(w["manager"])
    url = f"/portal/licenses/{lic.id}"
    assert user_emails(client.get(url).get_data(as_text=True)) == [
        "ann@globex.test",
        "kim@globex.test",
        "ted@globex.test",
    ]
    page = client.get(f"{url}?users_sort=-email&devices_sort=os").get_data(as_text=True)
    assert user_emails(page) == ["ted@globex.test", "kim@globex.test", "ann@globex.test"]
    assert 'aria-sort="descending"' in page
    by_name = link(page, r"/portal/licenses/\d+\?[^\"]*users_sort=name[^\"]*")
    assert "devices_sort=os" in by_name  # a header of one list keeps the other list's sort
    assert user_emails(client.get(by_name).get_data(as_text=True)) == [
        "ted@globex.test",
        "ann@globex.test",
        "kim@globex.test",
    ]
    assert client.get(f"{url}?users_sort=1;drop").status_code == 200


def test_a_licenses_floating_seats_sort_by_their_columns(app, client, make, login, w):
    lic = make.license(w["order"], w["floating_policy"])
    now = utcnow()
    for host in ("mike-host", "alpha-host", "zulu-host"):
        update(app, Device, make.device(lic, hostname=host).id, floating_in_use=True, floating_since=now)
    login(w["manager"])
    url = f"/portal/licenses/{lic.id}"
    page = client.get(f"{url}?floating_sort=host").get_data(as_text=True)
    section = page[page.index('id="floating-h"') : page.index('id="devices-h"')]
    assert section.index("alpha-host") < section.index("mike-host") < section.index("zulu-host")
    assert 'aria-sort="ascending"' in section and "floating_sort=-host" in section
    page = client.get(f"{url}?floating_sort=-host").get_data(as_text=True)
    section = page[page.index('id="floating-h"') : page.index('id="devices-h"')]
    assert section.index("zulu-host") < section.index("mike-host") < section.index("alpha-host")
    assert "3 seats in use" in section
    assert client.get(f"{url}?floating_sort=license").status_code == 200  # no such column here: the default


def test_a_users_licenses_are_a_paged_sortable_table(client, make, login, w, hx):
    user = make.license_user(w["vendor"], email="holder@globex.test", account=w["account"])
    for i in range(30):
        make.assignment(make.license(w["order"], w["seat_policy"], license_key=f"K{i:02d}-0000"), user)
    other = make.order(w["vendor"], w["customer"])  # not the manager's: never listed
    make.assignment(make.license(other, w["seat_policy"], license_key="NOT-MINE"), user)
    login(w["manager"])
    url = f"/portal/users/{user.id}"
    page = client.get(f"{url}?sort=license").get_data(as_text=True)
    assert keys(page) == [f"K{i:02d}-0000" for i in range(25)] and "NOT-MINE" not in page
    assert "1–25 of 30 licenses" in page
    following = link(page, r"/portal/users/\d+\?[^\"]*page=2[^\"]*")
    assert "sort=license" in following
    fragment = client.get(following, headers={**hx, "HX-Target": "user-licenses"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="user-licenses"' in fragment and 'id="user-password"' not in fragment
    assert keys(fragment) == [f"K{i:02d}-0000" for i in range(25, 30)]
    assert keys(client.get(f"{url}?sort=-license").get_data(as_text=True))[0] == "K29-0000"
    assert client.get(f"{url}?sort=hash").status_code == 200


def test_api_tokens_sort_and_revoke_through_the_portals_confirmation(app, client, make, login, w):
    login(w["manager"])
    for name in ("Beta script", "Alpha script", "Gamma script"):
        client.post("/portal/account/tokens", data={"name": name})
    page = client.get("/portal/account/tokens").get_data(as_text=True)
    names = re.findall(r"<td>(\w+ script)</td>", page)
    assert names == ["Gamma script", "Alpha script", "Beta script"]  # live ones first, newest first
    by_name = client.get("/portal/account/tokens?sort=name").get_data(as_text=True)
    assert re.findall(r"<td>(\w+ script)</td>", by_name) == ["Alpha script", "Beta script", "Gamma script"]
    assert "3 tokens" in by_name
    assert client.get("/portal/account/tokens?sort=hash").status_code == 200
    # Revoke is a button with the portal's own dialog (hx-confirm + data-confirm-title), and a GET
    # confirmation page without JavaScript; no bare link, no browser confirm().
    revoke = re.search(
        r'<button type="submit" class="button danger small" hx-post="(/portal/account/tokens/\d+/revoke)"'
        r' hx-confirm="Revoke Gamma script\?[^"]*"\s+data-confirm-title="Please confirm"',
        page,
    )
    assert revoke, "no confirmed revoke button"
    confirmation = client.get(revoke.group(1))
    assert confirmation.status_code == 200
    assert f'<form method="post" action="{revoke.group(1)}"' in confirmation.get_data(as_text=True)
    assert client.post(revoke.group(1)).status_code == 303
    after = client.get("/portal/account/tokens").get_data(as_text=True)
    assert re.findall(r"<td>(\w+ script)</td>", after)[-1] == "Gamma script"  # revoked ones last


@pytest.mark.parametrize(
    "path",
    [
        "/portal/user-groups/{group}?sort=-last_login",
        "/portal/licenses/{seat}?users_sort=name",
        "/portal/licenses/{floating}?floating_sort=-since",
        "/portal/users/{user}?sort=-product",
        "/portal/account/tokens?sort=last_used",
    ],
)
def test_each_sorted_list_costs_the_same_queries_at_few_and_many_rows(app, client, make, login, w, count_queries, path):
    seat = make.license(w["order"], w["seat_policy"], license_key=None, max_license_users=100)
    floating = make.license(w["order"], w["floating_policy"])
    user = make.license_user(w["vendor"], account=w["account"])
    group = make.user_group(w["vendor"], managers=[w["manager"]])
    url = path.format(group=group.id, seat=seat.id, floating=floating.id, user=user.id)
    login(w["manager"])

    def grow(n: int) -> None:
        now = utcnow()
        for _ in range(n):
            member = make.license_user(w["vendor"], account=w["account"])
            make._save(w["vendor"].id, UserGroupMember(user_group_id=group.id, license_user_id=member.id))
            make.assignment(seat, member)
            update(app, Device, make.device(floating, count=False).id, floating_in_use=True, floating_since=now)
            make.assignment(make.license(w["order"], w["seat_policy"]), user)
            make._save(
                w["vendor"].id,
                ManagerToken(
                    vendor_account_id=w["vendor"].id,
                    manager_id=w["manager"].id,
                    name=f"t{member.id}",
                    prefix=f"p{member.id}",
                    hash=f"h{member.id}",
                ),
            )

    counts = []
    for n in (2, 30):
        grow(n)
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]


def test_never_reads_as_the_oldest_on_every_database(client, make, login, w):
    """SQLite and PostgreSQL put NULL at opposite ends; the lists put "never" with the oldest on both."""
    seat = make.license(w["order"], w["seat_policy"], license_key=None)
    seen = make.license_user(w["vendor"], email="seen@globex.test", account=w["account"], last_login_at=utcnow())
    never = make.license_user(w["vendor"], email="never@globex.test", account=w["account"])
    for user in (seen, never):
        make.assignment(seat, user)
    login(w["manager"])
    for url in ("/portal/users?sort={}", f"/portal/licenses/{seat.id}?users_sort={{}}"):
        listed = [
            e for e in user_emails(client.get(url.format("-last_login")).get_data(as_text=True)) if "@globex" in e
        ]
        assert listed[:2] == ["seen@globex.test", "never@globex.test"], url
        listed = [e for e in user_emails(client.get(url.format("last_login")).get_data(as_text=True)) if "@globex" in e]
        assert listed.index("never@globex.test") < listed.index("seen@globex.test"), url
