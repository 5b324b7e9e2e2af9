"""The licenses list: sorted by each column (URL, aria-sort, no-JS links), Expired, names of user licenses."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal.models import utcnow
from tests.end_user.licenses.support import scene


def keys_in_order(html: str) -> list[str]:
    return re.findall(r'<code class="license-key" title="([^"]+)"', html)


@pytest.fixture
def listed(make):
    w = scene(make)
    now = utcnow()
    make.license(w["order"], w["key_policy"], license_key="CCCC-0000-0000-0003", created_at=now - dt.timedelta(days=3))
    make.license(w["order"], w["key_policy"], license_key="AAAA-0000-0000-0001", created_at=now - dt.timedelta(days=1))
    make.license(
        w["order"],
        w["key_policy"],
        license_key="BBBB-0000-0000-0002",
        created_at=now - dt.timedelta(days=2),
        valid_until=now - dt.timedelta(days=1),
        status="active",
    )
    w["seat_license"] = make.license(w["order"], w["seat_policy"], license_key=None)
    return w


def test_default_order_is_newest_first_and_a_header_sorts_by_its_column(client, login, listed):
    login(listed["manager"])
    html = client.get("/portal/licenses").get_data(as_text=True)
    assert keys_in_order(html) == ["AAAA-0000-0000-0001", "BBBB-0000-0000-0002", "CCCC-0000-0000-0003"]
    assert re.search(
        r'<th scope="col" aria-sort="descending">\s*<a class="sort-link sorted" href="[^"]*sort=created', html
    )
    # A plain link per header (no JavaScript needed); the URL holds the sort.
    assert 'href="/portal/licenses?sort=license"' in html
    by_key = client.get("/portal/licenses?sort=license").get_data(as_text=True)
    assert keys_in_order(by_key) == ["AAAA-0000-0000-0001", "BBBB-0000-0000-0002", "CCCC-0000-0000-0003"]
    assert 'aria-sort="ascending"' in by_key and 'href="/portal/licenses?sort=-license"' in by_key
    reverse = client.get("/portal/licenses?sort=-license").get_data(as_text=True)
    assert keys_in_order(reverse) == ["CCCC-0000-0000-0003", "BBBB-0000-0000-0002", "AAAA-0000-0000-0001"]
    assert reverse.count("aria-sort=") == 1


@pytest.mark.parametrize("bad", ["password", "-", "--created", "license;drop", "%00", "x" * 300])
def test_a_bad_sort_is_ignored(client, login, listed, bad):
    login(listed["manager"])
    response = client.get("/portal/licenses", query_string={"sort": bad})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert keys_in_order(html) == ["AAAA-0000-0000-0001", "BBBB-0000-0000-0002", "CCCC-0000-0000-0003"]
    assert html.count('aria-sort="descending"') == 1 and "sort=created" in html  # the default order, kept


def test_the_sort_and_filters_survive_paging_and_the_fragment(client, login, make, listed, hx):
    for i in range(30):
        make.license(listed["order"], listed["key_policy"], license_key=f"ZZ{i:02d}-0000-0000-0000")
    login(listed["manager"])
    html = client.get("/portal/licenses?sort=-license&type=perpetual").get_data(as_text=True)
    assert keys_in_order(html)[0] == "ZZ29-0000-0000-0000"
    assert re.search(r'href="/portal/licenses\?[^"]*page=2[^"]*"', html)
    next_url = re.search(r'href="(/portal/licenses\?[^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "sort=-license" in next_url and "type=perpetual" in next_url
    fragment = client.get(next_url, headers=hx)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "26–" in body
    assert "sort=-license" in fragment.headers["HX-Push-Url"]


def test_expired_licenses_show_as_expired_and_filter(client, login, listed):
    login(listed["manager"])
    html = client.get("/portal/licenses").get_data(as_text=True)
    row = re.search(r"BBBB-0000-0000-0002.*?</tr>", html, re.S).group(0)
    assert "badge-expired" in row and ">Expired<" in row
    expired = client.get("/portal/licenses?status=expired").get_data(as_text=True)
    assert keys_in_order(expired) == ["BBBB-0000-0000-0002"]
    assert '<option value="expired" selected>' in expired
    active = client.get("/portal/licenses?status=active").get_data(as_text=True)
    assert "BBBB-0000-0000-0002" not in active


def test_a_user_based_license_is_named_by_product_order_and_seats(client, login, listed):
    login(listed["manager"])
    lic = listed["seat_license"]
    html = client.get("/portal/licenses").get_data(as_text=True)
    name = f"{listed['user_product'].name} · {listed['order'].reference} · 5 seats"
    assert f'<a href="/portal/licenses/{lic.id}">{name}</a>' in html
    assert f"#{lic.id}<" not in html
    detail = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    assert name in detail


def test_a_license_key_comes_with_a_copy_button_hidden_until_javascript(client, login, listed):
    login(listed["manager"])
    html = client.get("/portal/licenses").get_data(as_text=True)
    assert re.search(r'<button type="button" class="copy-button" data-copy="AAAA-0000-0000-0001" hidden', html)


@pytest.mark.parametrize("sort", ["license", "-product", "order", "-seats", "valid_until", "status", "note"])
def test_every_sort_costs_the_same_few_queries(client, login, make, listed, count_queries, sort):
    login(listed["manager"])
    client.get("/portal/licenses")
    with count_queries() as few:
        assert client.get(f"/portal/licenses?sort={sort}").status_code == 200
    for _ in range(20):
        make.license(listed["order"], listed["key_policy"])
    with count_queries() as more:
        assert client.get(f"/portal/licenses?sort={sort}").status_code == 200
    assert more.count == few.count


def test_a_licenses_devices_sort_by_name_and_keep_the_sort_in_their_pager(client, make, login, listed):
    lic = make.license(listed["order"], listed["key_policy"], max_activations=40)
    for host in ("mike-pc", "alpha-pc", "zulu-pc"):
        make.device(lic, hostname=host)
    login(listed["manager"])
    html = client.get(f"/portal/licenses/{lic.id}?devices_sort=device").get_data(as_text=True)
    assert html.index("alpha-pc") < html.index("mike-pc") < html.index("zulu-pc")
    html = client.get(f"/portal/licenses/{lic.id}?devices_sort=-device").get_data(as_text=True)
    assert html.index("zulu-pc") < html.index("mike-pc") < html.index("alpha-pc")
    assert client.get(f"/portal/licenses/{lic.id}?devices_sort=hardware_secret").status_code == 200
    for i in range(30):
        make.device(lic, hostname=f"host-{i:02d}")
    html = client.get(f"/portal/licenses/{lic.id}?devices_sort=device").get_data(as_text=True)
    assert re.search(
        r'href="[^"]*devices_page=2[^"]*devices_sort=device|href="[^"]*devices_sort=device[^"]*devices_page=2', html
    )
