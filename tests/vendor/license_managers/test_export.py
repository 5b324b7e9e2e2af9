"""The CSV export: its announcing page, and rows written fast with memory that stays flat."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest

from portal.extensions import db
from portal.services.license_managers import overview
from portal.services.license_managers.overview import OverviewQuery
from portal.tenancy import set_tenant
from tests.vendor.license_managers.support import bulk_managers

URL = "/vendor/license-managers"


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = make.staff(w["vendor"])
    return w


def test_the_export_page_says_how_many_rows_and_starts_the_download(client, login, world, app):
    bulk_managers(app, world["vendor"], 30, status="invited", orders_each=0)
    login(world["staff"])
    response = client.get(URL + "/export?status=invited")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preparing 30 rows…" in html and "with the search and filters you chose" in html
    assert '<meta http-equiv="refresh" content="1; url=/vendor/license-managers.csv?status=invited">' in html
    assert 'href="/vendor/license-managers.csv?status=invited" download' in html
    assert "<script>" not in html  # the strict CSP: no inline script starts it
    # The count is exact, past the overview's cap too, and the CSV holds that many rows.
    rows = list(csv.reader(io.StringIO(client.get(URL + ".csv?status=invited").get_data(as_text=True))))
    assert len(rows) == 31


def test_a_big_export_says_about_how_long(app, world, monkeypatch):
    monkeypatch.setattr(overview, "EXPORT_RATE", 10)
    bulk_managers(app, world["vendor"], 250, orders_each=0)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        rows = overview.export_count(OverviewQuery())
        assert rows == 250 and overview.export_seconds(rows) == 25


def test_the_export_page_is_only_this_vendors(client, login, world, make):
    make.manager(world["vendor"], email="mine@vendor.test")
    other = make.vendor()
    make.manager(other, email="x@other.test")
    make.manager(other, email="y@other.test")
    login(world["staff"])
    assert "Preparing 1 row…" in client.get(URL + "/export").get_data(as_text=True)
    assert "Preparing 0 rows…" in client.get(URL + "/export?q=other.test").get_data(as_text=True)


def test_csv_rows_come_in_the_lists_order_in_every_sort(app, world):
    bulk_managers(app, world["vendor"], 23, orders_each=1, licenses_each=2, policy=world["key_policy"])
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        for sort in overview.SORTS:
            query = OverviewQuery(sort=sort)
            expected = [r.email for r in overview.export_rows(query, batch=1000)]
            rows = list(overview.csv_rows(query, batch=4))
            assert [row[1] for row in rows] == expected, sort
            assert len(set(expected)) == 23
        bulk = next(row for row in overview.csv_rows(OverviewQuery(q="bulk"), batch=5))
        assert bulk[6:8] == (1, 2)  # orders managed, licenses under them


def test_csv_memory_stays_flat(app, world):
    bulk_managers(app, world["vendor"], 500, orders_each=0, prefix="small")
    bulk_managers(app, world["vendor"], 2500, orders_each=0, prefix="big")
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        from portal.views.csv_export import batch_lines

        def export(q: str) -> tuple[int, int]:
            tracemalloc.start()
            written = 0
            for chunk in batch_lines(
                overview.CSV_COLUMNS, overview.csv_batches(OverviewQuery(q=q), batch=250), (0, 1, 2)
            ):
                written += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return written, peak

        export("small")  # compiled statements cached, as in a running server
        small_written, small_peak = export("small")
        all_written, all_peak = export("")
        assert all_written > 5 * small_written
        # One batch of rows and its chunk of text at a time, whatever the number of rows.
        assert all_peak < 1.5 * small_peak, (small_peak, all_peak)


def test_csv_export_is_one_statement_read_batch_by_batch(app, world, count_queries):
    bulk_managers(app, world["vendor"], 40, orders_each=1)
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        with count_queries() as q:
            batches = list(overview.csv_batches(OverviewQuery(), batch=10))
        assert [len(rows) for rows in batches] == [10, 10, 10, 10]
        # One statement of every row in the list's order (the counts kept on each row come with it), read
        # as it goes: no statement per batch, no LIMIT, no offset (PostgreSQL: through a server-side cursor).
        exports = [st for st in q.statements if "AS licenses" in st]
        assert len(exports) == 1 and "LIMIT" not in exports[0], q.statements
        assert "ORDER BY license_manager.created_at DESC, license_manager.id DESC" in exports[0]
