"""Sorting the overview by the columns no index holds: permissions, vs default, orders, licenses.

They are worked out per row, so they are served while at most ``COUNT_CAP`` managers match (a
bounded sort) and set aside, with a note, past that; pages by cursor still follow them.
"""

from __future__ import annotations

import re

import pytest

from portal import permissions as perms
from portal.services.license_managers import overview
from tests.vendor.license_managers.support import bulk_managers, row_emails

URL = "/vendor/license-managers"


@pytest.fixture
def scene(make, client, login):
    w = make.world()
    vendor = w["vendor"]
    login(make.staff(vendor))
    second = make.order(vendor)
    third = make.order(vendor)
    default = perms.to_codes(perms.FACTORY_DEFAULT_BITS)
    # a: the default set, 2 orders, 1 license; b: no permissions, 1 order, 3 licenses;
    # c: every permission, no orders.
    make.manager(vendor, email="a@x.test", permissions=default, orders=[w["order"], third])
    make.manager(vendor, email="b@x.test", permissions=[], orders=[second])
    make.manager(vendor, email="c@x.test", permissions=[p.code for p in perms.PERMISSIONS], orders=[])
    make.license(w["order"], w["key_policy"])
    for _ in range(3):
        make.license(second, w["key_policy"])
    return w


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("permissions", ["b@x.test", "a@x.test", "c@x.test"]),
        ("-permissions", ["c@x.test", "a@x.test", "b@x.test"]),
        ("vs_default", ["a@x.test", "b@x.test", "c@x.test"]),  # the default set differs by 0
        ("orders", ["c@x.test", "b@x.test", "a@x.test"]),
        ("-orders", ["a@x.test", "b@x.test", "c@x.test"]),
        ("licenses", ["c@x.test", "a@x.test", "b@x.test"]),  # a: 1 (its first order), b: 3 (the second)
        ("-licenses", ["b@x.test", "a@x.test", "c@x.test"]),
    ],
)
def test_every_computed_column_sorts(client, scene, sort, expected):
    html = client.get(f"{URL}?sort={sort}").get_data(as_text=True)
    assert row_emails(html) == expected
    assert 'aria-sort="' + ("descending" if sort.startswith("-") else "ascending") + '"' in html
    assert "works on up to" not in html


def test_vs_default_counts_the_differences_from_the_default_set(client, scene):
    # b lacks every default permission, c has every one plus the rest: both far from the default.
    bits = perms.FACTORY_DEFAULT_BITS
    lacking = bin(bits).count("1")
    extra = len(perms.PERMISSIONS) - lacking
    html = client.get(f"{URL}?sort=-vs_default").get_data(as_text=True)
    farthest = "b@x.test" if lacking > extra else "c@x.test"
    assert row_emails(html)[0] == farthest and row_emails(html)[-1] == "a@x.test"


def test_pages_of_a_computed_sort_follow_it_by_cursor(app, client, make, login):
    w = make.world()
    login(make.staff(w["vendor"]))
    bulk_managers(app, w["vendor"], 30, orders_each=1)
    bulk_managers(app, w["vendor"], 30, orders_each=0, prefix="idle")
    first = client.get(f"{URL}?sort=-orders").get_data(as_text=True)
    assert all(e.startswith("bulk") for e in row_emails(first))
    next_url = re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    emails = row_emails(second)
    assert len(emails) == 25 and emails[:5] == [e for e in emails[:5] if e.startswith("bulk")]
    assert sum(e.startswith("idle") for e in emails) == 20  # 30 with an order first, then the idle ones
    assert set(emails).isdisjoint(row_emails(first))


def test_past_the_cap_a_computed_sort_is_set_aside_and_says_why(client, scene, monkeypatch):
    monkeypatch.setattr(overview, "COUNT_CAP", 2)
    html = client.get(f"{URL}?sort=-orders").get_data(as_text=True)
    assert "sorting by Orders works on up to 2 managers" in html
    assert row_emails(html) == ["c@x.test", "b@x.test", "a@x.test"]  # newest first, the default
    csv_text = client.get(f"{URL}.csv?sort=-orders").get_data(as_text=True)
    assert csv_text.count("@x.test") == 3  # the export is served in the default order too
    narrowed = client.get(f"{URL}?sort=-orders&q=a@x").get_data(as_text=True)
    assert "works on up to" not in narrowed and row_emails(narrowed) == ["a@x.test"]


def test_a_computed_sort_costs_the_same_queries_beside_5_and_60_managers(app, make, login, count_queries):
    counts = []
    for n in (5, 60):
        w = make.world()
        client = app.test_client()
        login(make.staff(w["vendor"]), on=client)
        bulk_managers(app, w["vendor"], n)
        for sort in ("-licenses", "vs_default"):
            with count_queries() as q:
                assert client.get(f"{URL}?sort={sort}").status_code == 200
            counts.append(q.count)
    assert counts[:2] == counts[2:], counts
