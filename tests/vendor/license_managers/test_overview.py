"""The License Managers overview and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal import lists
from portal import lists as keyset
from portal.extensions import db
from portal.models import LicenseManager, utcnow
from portal.services.license_managers import overview
from portal.services.license_managers.overview import OverviewQuery
from portal.tenancy import set_tenant
from tests.conftest import BACKEND
from tests.vendor.license_managers.support import bulk_managers, hrefs, row_emails

URL = "/vendor/license-managers"


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = make.staff(w["vendor"])
    return w


@pytest.fixture
def staff_client(client, login, world):
    login(world["staff"])
    return client


def _set(app, manager, **fields):
    with app.app_context():
        set_tenant(db.session, manager.vendor_account_id)
        row = db.session.get(LicenseManager, manager.id)
        for key, value in fields.items():
            setattr(row, key, value)
        db.session.commit()


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# The page and the fragment


def test_full_page_has_filters_results_and_empty_detail_pane(staff_client, make, world):
    make.manager(world["vendor"], email="ada@globex.test")
    response = staff_client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.startswith("<!doctype html>")
    assert '<aside id="detail-pane"' in html and 'id="results"' in html
    search = re.search(r'<input type="search" id="q" name="q"[^>]*>', html, re.S).group(0)
    for attribute in (
        'hx-get="/vendor/license-managers"',
        'hx-trigger="input changed delay:300ms, search"',
        'hx-sync="this:replace"',
        'hx-target="#results"',
        'hx-push-url="true"',
    ):
        assert attribute in search
    assert "ada@globex.test" in html


def test_htmx_request_gets_only_the_results_fragment(staff_client, make, world, hx):
    make.manager(world["vendor"], email="ada@globex.test")
    response = staff_client.get(URL, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and 'id="filters"' not in html and 'detail-pane"' not in html.split("<tbody>")[0]
    assert "ada@globex.test" in html


def test_row_name_opens_the_detail_pane(staff_client, make, world):
    manager = make.manager(world["vendor"], email="ada@globex.test")
    html = staff_client.get(URL).get_data(as_text=True)
    link = re.search(rf'<a href="/vendor/license-managers/{manager.id}"[^>]*>', html).group(0)
    assert f'hx-get="/vendor/license-managers/{manager.id}"' in link
    assert 'hx-target="#detail-pane"' in link and 'hx-push-url="true"' in link


def test_row_shows_every_column(app, staff_client, make, world):
    other_order = make.order(world["vendor"])
    manager = make.manager(
        world["vendor"],
        email="ada@globex.test",
        account=world["account"],
        permissions=["issue_license", "reset_device"],
        orders=[world["order"], other_order],
    )
    for _ in range(2):
        make.license(world["order"], world["key_policy"])
    make.license(other_order, world["user_policy"])
    make.manager(world["vendor"], email="idle@globex.test")
    _set(app, manager, last_login_at=dt.datetime(2025, 3, 4, 5, 6), created_at=dt.datetime(2024, 1, 2))
    html = staff_client.get(URL + "?q=ada").get_data(as_text=True)
    row = html.split("<tbody>")[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[0] == ""  # the row's checkbox for bulk actions
    assert cells[2].split()[0] == "ada@globex.test"  # then its copy button
    assert cells[3] == world["account"].name
    assert cells[4] == "Active"
    assert cells[5].startswith("2 of 12") and "Issue license" in cells[5] and "Reset device" in cells[5]
    assert cells[6].startswith("−4") and "Lacks Create order" in cells[6]  # vs the default set, named
    assert cells[7:9] == ["2", "3"]  # orders managed, licenses under them
    assert cells[9] == "04 Mar 2025" and cells[10] == "02 Jan 2024"  # past a month: the date
    idle = staff_client.get(URL + "?q=idle").get_data(as_text=True)
    idle_cells = re.findall(r'<td class="num">(\d+)</td>', idle)
    assert idle_cells == ["0", "0"] and "Never" in idle


# Filters, search and sorting


def test_filters_by_status_permission_and_customer_account(staff_client, make, world):
    vendor, account = world["vendor"], world["account"]
    other_account = make.customer_account(vendor, name="Umbrella")
    make.manager(vendor, email="a@x.test", status="active", permissions=["issue_license"], account=account)
    make.manager(vendor, email="b@x.test", status="invited", permissions=["issue_license"], account=other_account)
    make.manager(vendor, email="c@x.test", status="disabled", permissions=["reset_device"], account=account)

    def emails(query: str) -> set[str]:
        return set(row_emails(staff_client.get(f"{URL}?{query}").get_data(as_text=True)))

    assert emails("status=invited") == {"b@x.test"}
    assert emails("status=disabled") == {"c@x.test"}
    assert emails("permission=issue_license") == {"a@x.test", "b@x.test"}
    assert emails(f"customer_account={account.id}") == {"a@x.test", "c@x.test"}
    assert emails(f"permission=issue_license&customer_account={account.id}") == {"a@x.test"}
    assert emails("status=active&permission=reset_device") == set()
    # Nonsense values are dropped rather than failing the page.
    assert emails("status=bogus&permission=nope&customer_account=x&sort=up&page=-3") == {
        "a@x.test",
        "b@x.test",
        "c@x.test",
    }


def test_search_matches_name_email_and_customer_account_word_by_word(staff_client, make, world):
    vendor = world["vendor"]
    globex = make.customer_account(vendor, name="Globex Corp")
    make.manager(vendor, email="ada@one.test", account=globex)
    make.manager(vendor, email="bob@two.test")
    make.manager(vendor, email="carol@three.test")
    make.license_user(vendor)  # not a manager: never listed
    with staff_client.application.app_context():
        set_tenant(db.session, vendor.id)
        from portal.models import LicenseUser

        carol = db.session.scalar(sa.select(LicenseUser).where(LicenseUser.email == "carol@three.test"))
        carol.first_name, carol.last_name = "Carol", "Lovelace_100%"
        db.session.commit()

    def emails(q: str) -> list[str]:
        return row_emails(staff_client.get(URL, query_string={"q": q}).get_data(as_text=True))

    assert emails("bob@") == ["bob@two.test"]
    assert emails("GLOBEX") == ["ada@one.test"]
    assert emails("lovelace") == ["carol@three.test"]
    assert emails("carol lovelace") == ["carol@three.test"]
    assert emails("carol globex") == []
    assert emails("100%") == ["carol@three.test"]
    assert emails("c_rol") == []  # "_" and "%" are letters here, not wildcards
    assert emails("e_1") == ["carol@three.test"]
    assert emails("00%") == ["carol@three.test"]
    # A word of one or two characters is not searched: the box asks for a third one.
    assert sorted(emails("%")) == ["ada@one.test", "bob@two.test", "carol@three.test"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["b@x.test", "c@x.test", "a@x.test"]),
        ("-name", ["a@x.test", "c@x.test", "b@x.test"]),
        ("email", ["a@x.test", "b@x.test", "c@x.test"]),
        ("-email", ["c@x.test", "b@x.test", "a@x.test"]),
        ("created", ["c@x.test", "a@x.test", "b@x.test"]),
        ("-created", ["b@x.test", "a@x.test", "c@x.test"]),
        # Never signed in counts as the oldest sign-in: first ascending, last descending.
        ("last_login", ["b@x.test", "a@x.test", "c@x.test"]),
        ("-last_login", ["c@x.test", "a@x.test", "b@x.test"]),
    ],
)
def test_sorts(app, staff_client, make, world, sort, expected):
    vendor = world["vendor"]
    a = make.manager(vendor, email="a@x.test")
    b = make.manager(vendor, email="b@x.test")
    c = make.manager(vendor, email="c@x.test")
    now = utcnow()
    for manager, first, created, login in (
        (a, "Zed", 2, now - dt.timedelta(days=5)),
        (b, "Ann", 1, None),
        (c, "Max", 3, now),
    ):
        _set(app, manager, created_at=now - dt.timedelta(days=created), last_login_at=login)
        with app.app_context():
            set_tenant(db.session, vendor.id)
            from portal.models import LicenseUser

            db.session.get(LicenseUser, manager.license_user_id).first_name = first
            db.session.commit()
    html = staff_client.get(f"{URL}?sort={sort}").get_data(as_text=True)
    assert row_emails(html) == expected
    key = sort.lstrip("-")
    header = re.search(
        r'<th scope="col"[^>]* aria-sort="(\w+)"[^>]*>\s*<a href="([^"]+)"[^>]*>[^<]*'
        r"<span aria-hidden",
        html,
    )
    assert header.group(1) == ("descending" if sort.startswith("-") else "ascending")
    # The active column's link turns the order around.
    flipped = key if sort.startswith("-") else f"-{key}"
    assert _query(header.group(2)).get("sort", ["-created"]) == [flipped]  # the default is left out


# Pages


def test_pages_by_offset_and_by_cursor_agree(app, staff_client, world):
    bulk_managers(app, world["vendor"], 60, orders_each=0)
    first = staff_client.get(URL + "?sort=email").get_data(as_text=True)
    assert len(row_emails(first)) == 25
    assert "1–25 of 60 managers" in first and "Page 1 of 3" in first
    next_url = re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    assert _query(next_url)["page"] == ["2"] and "after" in _query(next_url)
    by_cursor = staff_client.get(next_url).get_data(as_text=True)
    by_offset = staff_client.get(URL + "?sort=email&page=2").get_data(as_text=True)
    assert row_emails(by_cursor) == row_emails(by_offset)
    assert set(row_emails(by_cursor)).isdisjoint(row_emails(first))
    third_url = re.search(r'href="([^"]+)"[^>]*rel="next"', by_cursor).group(1).replace("&amp;", "&")
    third = staff_client.get(third_url).get_data(as_text=True)
    assert len(row_emails(third)) == 10 and 'rel="next"' not in third and "51–60 of 60" in third
    back_url = re.search(r'href="([^"]+)"[^>]*rel="prev"', third).group(1).replace("&amp;", "&")
    assert "before" in _query(back_url)
    assert row_emails(staff_client.get(back_url).get_data(as_text=True)) == row_emails(by_offset)
    # Page 2 goes back to page 1 without a cursor.
    prev_of_2 = re.search(r'href="([^"]+)"[^>]*rel="prev"', by_offset).group(1).replace("&amp;", "&")
    assert _query(prev_of_2) == {"sort": ["email"]}
    # Every manager shows up exactly once over the three pages.
    assert len(set(row_emails(first) + row_emails(by_cursor) + row_emails(third))) == 60


def test_a_broken_cursor_falls_back_to_the_page_number(app, staff_client, world):
    bulk_managers(app, world["vendor"], 30, orders_each=0)
    offset = row_emails(staff_client.get(URL + "?page=2").get_data(as_text=True))
    forged = [
        keyset.encode_cursor("created", ["yesterday", 1]),
        keyset.encode_cursor("created", ["2024-01-01", "1"]),
        keyset.encode_cursor("name", ["a", "b", 1]),
        keyset.encode_cursor("created", [1]),
    ]
    for cursor in ("garbage", "W10", "WyJuYW1lIiwgWzFdXQ", "eyJhIjoxfQ", *forged):
        html = staff_client.get(f"{URL}?page=2&after={cursor}").get_data(as_text=True)
        assert row_emails(html) == offset


def test_a_page_past_the_end_says_so(app, staff_client, world):
    bulk_managers(app, world["vendor"], 3, orders_each=0)
    html = staff_client.get(URL + "?page=9").get_data(as_text=True)
    assert "No managers on this page" in html and 'href="/vendor/license-managers"' in html


def test_count_is_capped(app, staff_client, world, monkeypatch):
    monkeypatch.setattr(lists, "COUNT_CAP", 10)
    bulk_managers(app, world["vendor"], 12, orders_each=0)
    html = staff_client.get(URL).get_data(as_text=True)
    assert "1–12 of 10+ managers" in html
    assert "Page 1</span>" in html  # no "of N pages" when the count is capped
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        assert overview.total(OverviewQuery()) == 11


# The state lives in the URL


def test_query_string_round_trip(staff_client, make, world):
    vendor, account = world["vendor"], world["account"]
    bulk_managers(
        staff_client.application, vendor, 30, account=account, status="invited", permissions=4, orders_each=0
    )  # bit 4: issue_license
    state = {
        "q": "bulk",
        "status": "invited",
        "permission": "issue_license",
        "customer_account": str(account.id),
        "sort": "-email",
        "page": "2",
    }
    html = staff_client.get(URL, query_string=state).get_data(as_text=True)
    assert 'name="q" value="bulk"' in html
    assert '<option value="invited" selected>' in html
    assert '<option value="issue_license" selected>' in html
    assert f'<option value="{account.id}" selected>' in html
    assert '<input type="hidden" name="sort" value="-email" form="filters">' in html
    assert len(row_emails(html)) == 5 and "26–30 of 30" in html
    filters = {k: [v] for k, v in state.items() if k not in ("sort", "page")}
    links = hrefs(html)
    sort_links = [
        u.replace("&amp;", "&")
        for u in re.findall(
            r'<th scope="col"[^>]* aria-sort="\w+"[^>]*>\s*'
            r'<a href="([^"]+)"',
            html,
        )
    ]
    assert len(sort_links) == 10  # every column: name, email, customer account, status, permissions, vs default,
    # orders, licenses, last sign-in, created
    for url in sort_links:  # a new sort keeps the filters and starts again at page 1
        assert {k: v for k, v in _query(url).items() if k != "sort"} == filters
    prev_link = re.search(r'href="([^"]+)"[^>]*rel="prev"', html).group(1).replace("&amp;", "&")
    assert _query(prev_link) == {**filters, "sort": ["-email"]}  # page 1: no page, no cursor
    export_link = next(u for u in links if u.startswith(URL + "/export"))
    assert _query(export_link) == {**filters, "sort": ["-email"]}
    # The fragment carries the same state, for htmx's pushed URL and the next request.
    fragment = staff_client.get(URL, query_string=state, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert row_emails(fragment) == row_emails(html)
    assert '<input type="hidden" name="sort" value="-email" form="filters">' in fragment


def test_javascript_off_get_form(staff_client, make, world):
    vendor = world["vendor"]
    make.manager(vendor, email="a@x.test", status="invited")
    make.manager(vendor, email="b@x.test", status="active")
    html = staff_client.get(URL).get_data(as_text=True)
    form = re.search(r'<form id="filters"[^>]*>(.*?)</form>', html, re.S)
    assert 'method="get" action="/vendor/license-managers"' in form.group(0)
    for name in ("q", "status", "permission", "customer_account"):
        assert f'name="{name}"' in form.group(1)
    assert '<button type="submit"' in form.group(1)
    # What a browser sends without JavaScript: every field, blanks included, and the sort.
    submitted = staff_client.get(URL + "?q=&status=invited&permission=&customer_account=&sort=-created")
    assert submitted.status_code == 200
    assert row_emails(submitted.get_data(as_text=True)) == ["a@x.test"]


# Empty states


def test_empty_states(staff_client, make, world):
    html = staff_client.get(URL).get_data(as_text=True)
    assert "No license managers yet — invite the first one" in html
    assert 'href="/vendor/license-managers/new"' in html.split('id="results"')[1]
    make.manager(world["vendor"], email="a@x.test")
    nothing = staff_client.get(URL + "?q=zzz&status=active").get_data(as_text=True)
    assert "Nothing matches this search" in nothing and "No license managers yet" not in nothing
    assert re.search(r'<a href="/vendor/license-managers" class="clear-filters">', nothing)


# Tenancy and access


def test_another_vendors_managers_never_appear(app, staff_client, make, world):
    make.manager(world["vendor"], email="mine@x.test")
    other = make.vendor()
    other_account = make.customer_account(other, name="Theirs Inc")
    make.manager(other, email="theirs@y.test", account=other_account, permissions="all")
    bulk_managers(app, other, 30, orders_each=0)
    for query in (
        "",
        "?q=theirs",
        "?q=y.test",
        f"?customer_account={other_account.id}",
        "?permission=manage_managers",
        "?sort=email",
    ):
        html = staff_client.get(URL + query).get_data(as_text=True)
        assert "theirs@y.test" not in html and "@bulk.test" not in html and "Theirs Inc" not in html
    assert "1–1 of 1 managers" in staff_client.get(URL).get_data(as_text=True)
    body = staff_client.get(URL + ".csv").get_data(as_text=True)
    assert "theirs" not in body and "bulk.test" not in body and "mine@x.test" in body


def test_only_staff(client, login, make, world, hx):
    assert client.get(URL).status_code == 302
    assert "/vendor/login" in client.get(URL).headers["Location"]
    assert client.get(URL, headers=hx).headers.get("HX-Redirect", "").startswith("/vendor/login")
    assert client.get(URL + ".csv").status_code == 302
    login(make.manager(world["vendor"], permissions="all"))
    assert client.get(URL).status_code == 403
    assert client.get(URL + ".csv").status_code == 403


# Query counts


@pytest.mark.parametrize("query", ["", "?sort=name&status=active", "?q=bulk&sort=-last_login"])
def test_query_count_is_the_same_at_10_and_1000_managers(app, staff_client, make, world, count_queries, query):
    policy = world["key_policy"]
    bulk_managers(app, world["vendor"], 10, account=world["account"], orders_each=2, policy=policy)
    with count_queries() as small:
        assert staff_client.get(URL + query).status_code == 200
    with count_queries() as small_fragment:
        staff_client.get(URL + query, headers={"HX-Request": "true"})
    bulk_managers(app, world["vendor"], 990, account=world["account"], orders_each=2, policy=policy)
    with count_queries() as large:
        html = staff_client.get(URL + query).get_data(as_text=True)
    with count_queries() as large_fragment:
        staff_client.get(URL + query, headers={"HX-Request": "true"})
    assert len(row_emails(html)) == 25
    # A search first asks the managers' trigram index which managers its words name (overview._indexed),
    # their ids being the count; on PostgreSQL after the planner's estimate (overview._estimated).
    searched = 1 if BACKEND == "sqlite" else 2
    assert small.count == large.count <= 7 + (searched if "q=" in query else 0)
    assert small_fragment.count == large_fragment.count < small.count


# CSV


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_has_every_page_under_the_filters_in_order(app, staff_client, make, world):
    vendor = world["vendor"]
    bulk_managers(app, vendor, 40, status="invited", orders_each=1, policy=world["key_policy"])
    bulk_managers(app, vendor, 5, status="active", orders_each=0)
    response = staff_client.get(URL + ".csv?status=invited&sort=-email")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    rows = _csv(response)
    assert len(rows) == 40  # more than one overview page
    assert [r["Email"] for r in rows] == sorted((r["Email"] for r in rows), reverse=True)
    assert {r["Status"] for r in rows} == {"invited"}
    assert {(r["Orders managed"], r["Licenses"]) for r in rows} == {("1", "2")}
    assert list(rows[0]) == [
        "Name",
        "Email",
        "Customer account",
        "Status",
        "Permissions",
        "Permission codes",
        "Orders managed",
        "Licenses",
        "Last sign-in (UTC)",
        "Created (UTC)",
    ]


def test_csv_lists_permission_codes_and_defuses_formulas(app, staff_client, make, world):
    manager = make.manager(world["vendor"], email="a@x.test", permissions=["issue_license", "reset_device"])
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        from portal.models import LicenseUser

        db.session.get(LicenseUser, manager.license_user_id).first_name = "=HYPERLINK(1)"
        db.session.commit()
    [row] = _csv(staff_client.get(URL + ".csv"))
    assert row["Permissions"] == "2"
    assert row["Permission codes"] == "issue_license reset_device"
    assert row["Name"].startswith("'=HYPERLINK")


def test_export_rows_walks_keyset_batches_in_the_sort_order(app, world):
    bulk_managers(app, world["vendor"], 23, orders_each=0)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        for sort in ("name", "-email", "created", "-last_login"):
            query = OverviewQuery(sort=sort)
            whole = [r.id for r in overview.export_rows(query, batch=1000)]
            batched = [r.id for r in overview.export_rows(query, batch=4)]
            assert batched == whole and len(set(whole)) == 23


def test_overview_links_the_csv_with_the_current_query(staff_client, make, world):
    make.manager(world["vendor"], email="a@x.test", status="invited")
    html = staff_client.get(URL + "?status=invited&q=a%40x&page=1").get_data(as_text=True)
    export = next(u for u in hrefs(html) if u.startswith(URL + "/export"))
    assert _query(export) == {"status": ["invited"], "q": ["a@x"]}
    html = staff_client.get(export).get_data(as_text=True)
    link = next(u for u in hrefs(html) if u.startswith(URL + ".csv"))
    assert _query(link) == {"status": ["invited"], "q": ["a@x"]}
    assert [r["Email"] for r in _csv(staff_client.get(link))] == ["a@x.test"]
