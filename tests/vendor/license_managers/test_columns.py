"""The list people work in: columns per staff member, chips, sorting by every column it can serve, times, copy."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ColumnChoice, LicenseManager, StaffUser, utcnow
from tests.vendor.license_managers.support import BASE, bulk_managers, read, row_emails, scalar, staff, text


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = staff(make, w["vendor"])
    return w


@pytest.fixture
def signed_in(client, login, world):
    login(world["staff"])
    return client


def _headers(html: str) -> list[str]:
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    return [re.sub(r"<[^>]+>|[▲▼]|\s+", " ", c).strip() for c in cells][1:]  # after the page's checkbox


def test_columns_are_remembered_per_staff_member_on_the_server(app, signed_in, client, login, make, world):
    make.manager(world["vendor"], email="ada@globex.test")
    everything = _headers(signed_in.get(BASE).get_data(as_text=True))
    assert everything == [
        "Name", "Email", "Customer account", "Status", "Permissions", "vs default", "Orders", "Licenses",
        "Last sign-in", "Created",
    ]  # fmt: skip
    response = signed_in.post(
        f"{BASE}/columns", data={"columns": ["last_login", "email"], "next": f"{BASE}?status=active&sort=email"}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}?status=active&sort=email"
    assert _headers(signed_in.get(BASE).get_data(as_text=True)) == ["Name", "Email", "Last sign-in"]
    assert scalar(app, sa.select(ColumnChoice.columns)) == ["email", "last_login"]
    login(staff(make, world["vendor"]))  # a colleague keeps their own
    assert _headers(client.get(BASE).get_data(as_text=True)) == everything


def test_support_chooses_their_columns_too_and_junk_is_refused(app, client, login, make, world):
    make.manager(world["vendor"])
    support = make._save(
        world["vendor"].id,
        StaffUser(
            vendor_account_id=world["vendor"].id, email="sup@v.test", name="S", password_hash="!", role="support"
        ),
    )
    login(support)
    assert client.post(f"{BASE}/columns", data={"columns": ["status"]}).status_code == 303
    assert _headers(client.get(BASE).get_data(as_text=True)) == ["Name", "Status"]
    assert client.post(f"{BASE}/columns", data={"columns": ["password_hash"]}).status_code == 422
    elsewhere = client.post(f"{BASE}/columns", data={"columns": ["email"], "next": "https://evil.test/"})
    assert elsewhere.headers["Location"] == BASE  # back to the list, never another site


def test_chips_show_and_clear_each_active_filter(app, signed_in, make, world):
    make.manager(
        world["vendor"],
        email="ada@globex.test",
        status="invited",
        permissions=["issue_license"],
        account=world["account"],
    )
    query = {"q": "ada", "status": "invited", "permission": "issue_license", "customer_account": world["account"].id}
    html = signed_in.get(BASE, query_string=query).get_data(as_text=True)
    chips = dict(
        (unescape(re.sub(r"<[^>]+>", "", label)).strip(), unescape(href))
        for href, label in re.findall(r'<a class="chip" href="([^"]+)">(.*?) <span aria-hidden', html)
    )
    account = world["account"]
    assert chips == {
        "Search: ada": f"{BASE}?status=invited&permission=issue_license&customer_account={account.id}",
        "Status: Invited": f"{BASE}?q=ada&permission=issue_license&customer_account={account.id}",
        "Permission: Issue license": f"{BASE}?q=ada&status=invited&customer_account={account.id}",
        f"Customer account: {account.name}": f"{BASE}?q=ada&status=invited&permission=issue_license",
    }
    assert 'class="chip-clear" href="/vendor/license-managers">Clear all filters' in html
    assert 'class="chip"' not in signed_in.get(BASE).get_data(as_text=True)  # nothing to clear


@pytest.mark.parametrize("key", ["customer_account", "status"])
def test_every_cheap_column_sorts_both_ways_across_keyset_pages(app, signed_in, make, world, key):
    accounts = [make.customer_account(world["vendor"], name=f"Account {c}") for c in "CAB"]
    for i in range(30):
        make.manager(
            world["vendor"],
            email=f"m{i:02d}@x.test",
            account=accounts[i % 3] if i % 5 else None,
            status=("invited", "active", "disabled")[i % 3],
        )

    def key_of(row: LicenseManager) -> tuple:
        if key == "status":
            return (row.status, row.id)
        return (row.customer_account.name if row.customer_account else "", row.id)

    def everyone() -> list[LicenseManager]:
        stmt = sa.select(LicenseManager).options(
            sa.orm.joinedload(LicenseManager.license_user), sa.orm.joinedload(LicenseManager.customer_account)
        )
        return list(db.session.scalars(stmt))

    managers = read(app, everyone)
    for sort in (key, f"-{key}"):
        expected = [m.license_user.email for m in sorted(managers, key=key_of, reverse=sort.startswith("-"))]
        first = signed_in.get(BASE, query_string={"sort": sort}).get_data(as_text=True)
        next_url = unescape(re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1))
        assert "after=" in next_url  # the second page follows a keyset cursor
        second = signed_in.get(next_url).get_data(as_text=True)
        assert row_emails(first) + row_emails(second) == expected


def test_times_are_relative_with_the_exact_time_and_zone_on_hover(app, signed_in, make, world):
    manager = make.manager(world["vendor"], email="ada@globex.test")
    when = utcnow().replace(microsecond=0) - dt.timedelta(hours=3, minutes=5)

    def signed_in_at() -> None:
        db.session.get(LicenseManager, manager.id).last_login_at = when
        db.session.commit()

    read(app, signed_in_at)
    html = signed_in.get(BASE).get_data(as_text=True)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    # The one relative-time filter (portal.i18n.ago, Babel) words it "3 hours ago".
    assert f'<time datetime="{when.isoformat()}Z" title="{stamp} UTC">3 hours ago</time>' in html


def test_emails_are_plain_text_with_a_copy_button_for_javascript(app, signed_in, make, world):
    make.manager(world["vendor"], email="ada@globex.test")
    html = signed_in.get(BASE).get_data(as_text=True)
    cell = (
        '<td class="email"><span>ada@globex.test</span><button type="button" class="copy" data-copy="ada@globex.test"'
    )
    assert f"{cell} hidden>" in html


def test_vs_default_names_the_difference_on_hover_and_for_screen_readers(app, signed_in, make, world):
    make.manager(
        world["vendor"], email="ada@globex.test", permissions=["issue_license", "create_order", "manage_managers"]
    )
    page = signed_in.get(BASE)
    html = page.get_data(as_text=True)
    title = (
        "Adds Manage managers; lacks Reset license, Reset device, Manage license users, Manage license user credentials"
    )
    assert f'<span title="{title}">+1 / −4</span><span class="visually-hidden">: {title}</span>' in html
    assert "+1 / −4" in text(page)


def test_rows_open_as_a_whole_but_the_name_stays_a_link(app, signed_in, make, world):
    manager = make.manager(world["vendor"], email="ada@globex.test")
    html = signed_in.get(BASE).get_data(as_text=True)
    assert "<tr data-row-link>" in html
    assert f'<a href="/vendor/license-managers/{manager.id}" class="row-link"' in html


def test_the_list_and_its_settings_cost_the_same_at_5_and_200_managers(app, signed_in, make, world, count_queries):
    signed_in.post(f"{BASE}/views", data={"name": "Invited", "status": "invited"})
    signed_in.post(f"{BASE}/columns", data={"columns": ["email", "vs_default", "created"]})
    bulk_managers(app, world["vendor"], 5, orders_each=1)
    with count_queries() as small:
        signed_in.get(BASE, headers={"HX-Request": "true"})
    bulk_managers(app, world["vendor"], 195, orders_each=1)
    with count_queries() as large:
        html = signed_in.get(BASE, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert len(row_emails(html)) == 25
    assert small.count == large.count <= 7
