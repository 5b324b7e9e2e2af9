"""Numbered pages skip rows over the sort key alone (``keyset_page``'s ``narrow``) and cursors follow the
stored key: both must give exactly the rows an OFFSET over the joined rows gives, for every sort."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.lists import PER_PAGE, keyset_page
from portal.models import LicenseManager, LicenseUser, utcnow
from portal.services.license_managers import overview
from portal.services.license_managers.overview import SORTS, OverviewQuery
from portal.tenancy import all_tenants, set_tenant
from tests.vendor.license_managers.support import bulk_managers

MANAGERS = 3 * PER_PAGE + 7  # four pages, the last one short


@pytest.fixture
def world(make):
    found = make.world()
    found["staff"] = make.staff(found["vendor"])
    return found


@pytest.fixture
def staff_client(client, login, world):
    login(world["staff"])
    return client


@pytest.fixture
def varied(app, world, make):
    """Managers whose sort keys tie and differ in every column: names shared by several, some never
    signed in, some in a customer account, every status, and invitations both open and lapsed (shown
    "expired", stored "invited", so the shown and stored status sort apart)."""
    vendor = world["vendor"]
    ids = bulk_managers(app, vendor, MANAGERS, orders_each=0)
    # A customer account sort reads those in none, then by account: pages straddle both runs.
    accounts = [world["account"], make.customer_account(vendor, "Aardvark Ltd"), make.customer_account(vendor, "Zeta")]
    for account in accounts:
        ids += bulk_managers(app, vendor, 11, account=account, orders_each=1)
    now = utcnow()
    with app.app_context(), all_tenants(db.session):
        for n, manager_id in enumerate(ids):
            manager = db.session.get(LicenseManager, manager_id)
            user = db.session.get(LicenseUser, manager.license_user_id)
            user.first_name = ("Ann", "Bob", "Cy")[n % 3]
            user.last_name = ("Lee", "Ng")[n % 2]
            manager.status = ("active", "invited", "disabled", "invited")[n % 4]
            if manager.status == "invited":
                manager.invitation_expires_at = now + dt.timedelta(days=1 if n % 8 == 1 else -1)
            manager.last_login_at = None if n % 5 == 0 else now - dt.timedelta(hours=n % 7)
            manager.created_at = now - dt.timedelta(minutes=n % 11)  # ties, broken by id
            manager.permissions = n % 4
        db.session.commit()
    return vendor


def _ids(found) -> list[int]:
    return [row.id for row in found.items]


def _offset_page(query: OverviewQuery, number: int) -> list[int]:
    """The reference: a plain OFFSET over the joined rows."""
    served = overview.bounded(query, overview.total(query))
    return _ids(keyset_page(overview.rows_select(served), served.keyset, number=number, scalars=False))


@pytest.mark.parametrize("sort", SORTS)
def test_numbered_and_cursor_pages_are_the_offset_pages(app, varied, sort):
    with app.app_context():
        set_tenant(db.session, varied.id)
        pages = (MANAGERS + 33 + PER_PAGE - 1) // PER_PAGE
        reference = [_offset_page(OverviewQuery(sort=sort), number) for number in range(1, pages + 1)]
        flat = [manager_id for page in reference for manager_id in page]
        assert len(flat) == len(set(flat)) == MANAGERS + 33
        after = ""
        for number, expected in enumerate(reference, start=1):
            _, by_number = overview.listing(OverviewQuery(sort=sort, page=number))
            assert _ids(by_number) == expected, f"page {number} by number"
            _, by_cursor = overview.listing(OverviewQuery(sort=sort, page=number, after=after))
            assert _ids(by_cursor) == expected, f"page {number} after the cursor"
            after = by_cursor.next_cursor or ""
        assert after == ""  # the last page has no next
        _, past = overview.listing(OverviewQuery(sort=sort, page=pages + 1))
        assert past.items == []


@pytest.mark.parametrize("sort", ["-created", "name", "status", "-status", "customer_account", "-customer_account"])
def test_a_deep_page_under_a_filter_and_a_search(app, varied, sort):
    with app.app_context():
        set_tenant(db.session, varied.id)
        for query in (
            OverviewQuery(sort=sort, signed_in="ever", page=3),
            OverviewQuery(sort=sort, status="expired", page=2),
            OverviewQuery(sort=sort, q="bulk", page=3),
            OverviewQuery(sort=sort, q="ann lee", page=1),  # two words, each a name
        ):
            _, found = overview.listing(query)
            assert _ids(found) == _offset_page(query, query.page)
            assert found.items, query


def test_a_deep_page_costs_one_statement_more(app, varied, count_queries, staff_client):
    staff_client.get(overview.BASE_URL, headers={"HX-Request": "true"})  # warm
    with count_queries() as first:
        staff_client.get(overview.BASE_URL + "?sort=name", headers={"HX-Request": "true"})
    with count_queries() as deep:
        staff_client.get(overview.BASE_URL + "?sort=name&page=3", headers={"HX-Request": "true"})
    assert deep.count == first.count + 1  # the key before the page, read over the name index


@pytest.mark.parametrize("sort", ["customer_account", "-customer_account", "status"])
def test_the_csv_export_walks_every_run_in_order(app, varied, sort):
    with app.app_context():
        set_tenant(db.session, varied.id)
        query = OverviewQuery(sort=sort)
        expected = [email for page in range(1, 6) for email in _emails(query, page)]
        written = [row[1] for row in overview.csv_rows(query, batch=7)]
        assert written == expected and len(written) == MANAGERS + 33
        assert [row.email for row in overview.export_rows(query, batch=9)] == expected


def _emails(query: OverviewQuery, number: int) -> list[str]:
    served = overview.bounded(query, overview.total(query))
    found = keyset_page(overview.rows_select(served), served.keyset, number=number, scalars=False)
    return [row.email for row in found.items]
