"""The pane's Orders and User groups tabs sort by their columns (``tab_sort``), pages keeping the sort."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal import scope
from tests.vendor.license_managers.support import BASE


def references(html: str) -> list[str]:
    body = html.rsplit("<tbody>", 1)[1].split("</tbody>", 1)[0]  # the pane comes after the list
    return re.findall(r'<th scope="row">([^<]+)', body)


@pytest.fixture
def scene(make, client, login):
    w = make.world()
    vendor = w["vendor"]
    login(make.staff(vendor))
    orders = [make.order(vendor, reference=ref) for ref in ("B-2", "A-1", "C-3")]  # created in this order
    for _ in range(2):
        make.license(orders[2], w["key_policy"])
    make.license(orders[0], w["key_policy"])
    manager = make.manager(vendor, orders=orders)
    users = [make.license_user(vendor) for _ in range(3)]
    groups = [
        make.user_group(vendor, name="Beta", members=users[:1], managers=[manager]),
        make.user_group(vendor, name="Alpha", members=users, managers=[manager]),
        make.user_group(vendor, name="Gamma", members=users[:2], managers=[manager]),
    ]
    return w, manager, orders, groups


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", ["C-3", "A-1", "B-2"]),  # newest first
        ("reference", ["A-1", "B-2", "C-3"]),
        ("-reference", ["C-3", "B-2", "A-1"]),
        ("-licenses", ["C-3", "B-2", "A-1"]),
        ("licenses", ["A-1", "B-2", "C-3"]),
        ("created", ["B-2", "A-1", "C-3"]),
        ("nonsense", ["C-3", "A-1", "B-2"]),  # an unknown sort: the default order, never an error
    ],
)
def test_the_orders_tab_sorts_by_its_columns(client, scene, sort, expected):
    _, manager, _, _ = scene
    response = client.get(f"{BASE}/{manager.id}/orders", query_string={"tab_sort": sort})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert references(html) == expected
    if sort and sort != "nonsense":
        assert 'aria-sort="' + ("descending" if sort.startswith("-") else "ascending") + '"' in html


def groups_shown(html: str) -> list[str]:
    return references(html)


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", ["Alpha", "Beta", "Gamma"]),
        ("-name", ["Gamma", "Beta", "Alpha"]),
        ("-members", ["Alpha", "Gamma", "Beta"]),
        ("members", ["Beta", "Gamma", "Alpha"]),
    ],
)
def test_the_user_groups_tab_sorts_by_its_columns(client, scene, sort, expected):
    _, manager, _, _ = scene
    html = client.get(f"{BASE}/{manager.id}/user-groups", query_string={"tab_sort": sort}).get_data(as_text=True)
    assert groups_shown(html) == expected


def test_a_sorted_tab_pages_in_its_sort_and_keeps_the_list_query(client, make, login):
    w = make.world()
    login(make.staff(w["vendor"]))
    orders = [make.order(w["vendor"], reference=f"R-{i:02d}") for i in range(30)]
    manager = make.manager(w["vendor"], orders=orders)
    first = client.get(f"{BASE}/{manager.id}/orders?tab_sort=reference&q=x&sort=email").get_data(as_text=True)
    assert references(first) == [f"R-{i:02d}" for i in range(25)]
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "tab_sort=reference" in next_url and "sort=email" in next_url and "q=x" in next_url
    assert references(client.get(next_url).get_data(as_text=True)) == [f"R-{i:02d}" for i in range(25, 30)]
    # The headers' links keep the list's query beside the pane too.
    tab = first.rsplit("<table", 1)[1]
    header = re.search(r'<a href="([^"]+)"[^>]*>Customer', tab).group(1).replace("&amp;", "&")
    assert "tab_sort=customer" in header and "sort=email" in header


def license_keys(html: str) -> list[str]:
    body = html.rsplit("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<code>([^<]+)</code>", body)


@pytest.fixture
def licensed(make, client, login):
    w = make.world()
    login(make.staff(w["vendor"]))
    order = w["order"]
    soon, later = dt.datetime(2030, 1, 1), dt.datetime(2031, 1, 1)
    make.license(order, w["key_policy"], license_key="KEY-B", valid_until=later)
    make.license(order, w["key_policy"], license_key="KEY-C", valid_until=None)
    make.license(order, w["key_policy"], license_key="KEY-A", valid_until=soon)
    return w, make.manager(w["vendor"], orders=[order])


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", ["KEY-A", "KEY-C", "KEY-B"]),  # newest first
        ("key", ["KEY-A", "KEY-B", "KEY-C"]),
        ("-key", ["KEY-C", "KEY-B", "KEY-A"]),
        ("expires", ["KEY-A", "KEY-B", "KEY-C"]),  # no end: the latest end
        ("-expires", ["KEY-C", "KEY-B", "KEY-A"]),
    ],
)
def test_the_licenses_tab_sorts_by_its_columns(client, licensed, sort, expected):
    _, manager = licensed
    html = client.get(f"{BASE}/{manager.id}/licenses", query_string={"tab_sort": sort}).get_data(as_text=True)
    assert license_keys(html) == expected
    assert "read newest first only" not in html


def test_a_large_scope_keeps_its_licenses_newest_first_and_says_so(client, licensed, monkeypatch):
    _, manager = licensed
    monkeypatch.setattr(scope, "LARGE_SCOPE", 0)  # one order is "large": the tab reads down the vendor's newest
    html = client.get(f"{BASE}/{manager.id}/licenses?tab_sort=key").get_data(as_text=True)
    assert license_keys(html) == ["KEY-A", "KEY-C", "KEY-B"]
    assert "read newest first only" in html


def test_a_large_scope_keeps_its_orders_newest_first_and_says_so(client, scene, monkeypatch):
    _, manager, _, _ = scene
    monkeypatch.setattr(scope, "LARGE_SCOPE", 0)
    html = client.get(f"{BASE}/{manager.id}/orders?tab_sort=reference").get_data(as_text=True)
    assert references(html) == ["C-3", "A-1", "B-2"] and "read newest first only" in html
