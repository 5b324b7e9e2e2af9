"""Orders: sorted lists, the new keys' CSV right after issuing, the issue and bundle forms keeping what was chosen."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.end_user.orders.support import issuing_world, snapshot


def references(html: str) -> list[str]:
    return re.findall(r'<td><a href="/portal/orders/\d+">([^<]+)</a></td>', html)


def test_orders_sort_by_reference_and_by_licenses(client, make, login):
    w = issuing_world(make)
    few = make.order(w["vendor"], reference="B-FEW", managers=[w["manager"]])
    many = make.order(w["vendor"], reference="A-MANY", managers=[w["manager"]])
    make.license(few, w["key_policy"])
    for _ in range(3):
        make.license(many, w["key_policy"])
    login(w["manager"])
    by_reference = references(client.get("/portal/orders?sort=reference").get_data(as_text=True))
    assert by_reference == sorted(by_reference) and by_reference[0] == "A-MANY"
    by_licenses = references(client.get("/portal/orders?sort=-licenses").get_data(as_text=True))
    assert by_licenses[:2] == ["A-MANY", "B-FEW"]
    ignored = client.get("/portal/orders?sort=secret")
    assert ignored.status_code == 200 and references(ignored.get_data(as_text=True))[0] == "A-MANY"  # newest


def _issue(client, order, product, policy, quantity, **kwargs):
    data = {"product": product.id, "policy": policy.id, "quantity": quantity}
    return client.post(f"/portal/orders/{order.id}/licenses", data=data, **kwargs)


def _download_link(html: str) -> str:
    match = re.search(r'<a class="button primary" href="([^"]+)" download>Download the (\d+) new keys', html)
    assert match, "no download link"
    return match.group(1).replace("&amp;", "&")


def test_after_issuing_the_new_keys_download_and_the_product_stays_chosen(client, make, login):
    w = issuing_world(make)
    old = make.license(w["order"], w["key_policy"], license_key="OLDK-OLDK-OLDK-OLDK")
    login(w["manager"])
    response = _issue(client, w["order"], w["key_product"], w["key_policy"], 3)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Download the 3 new keys (CSV)" in page
    assert f'<option selected value="{w["key_product"].id}">' in page  # the issue form keeps the product
    csv_response = client.get(_download_link(page))
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert len(rows) == 3 and old.license_key not in {r["license_key"] for r in rows}
    assert all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", r["license_key"]) for r in rows)
    assert {r["product"] for r in rows} == {w["key_product"].name}
    # Plain order page: no link.
    assert "new keys" not in client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)


def test_the_new_keys_link_is_the_issuing_managers_alone(app, client, make, login):
    w = issuing_world(make)
    login(w["manager"])
    page = client.get(_issue(client, w["order"], w["key_product"], w["key_policy"], 2).headers["Location"])
    link = _download_link(page.get_data(as_text=True))
    # Another manager of the same order: 404, as for anything they may not see.
    colleague = make.manager(w["vendor"], orders=[w["order"]], password=None)
    other = login(colleague, on=app.test_client())
    assert other.get(link).status_code == 404
    # Tampered with, or moved to another order: 404.
    assert client.get(link[:-3] + "xyz").status_code == 404
    second = make.order(w["vendor"], managers=[w["manager"]])
    assert client.get(link.replace(f"/orders/{w['order'].id}/", f"/orders/{second.id}/")).status_code == 404
    assert client.get(f"/portal/orders/{w['order'].id}/new-keys.csv").status_code == 404


def test_user_based_licenses_have_no_keys_to_download(client, make, login):
    w = issuing_world(make)
    login(w["manager"])
    response = _issue(client, w["order"], w["user_product"], w["user_policy"], 2)
    assert "issued=" not in response.headers["Location"]
    assert "new keys" not in client.get(response.headers["Location"]).get_data(as_text=True)


def _bundle_data(w, typed_reference="BUNDLE-7"):
    return {
        "reference": typed_reference,
        "lines-0-product": w["key_product"].id,
        "lines-0-policy": w["key_policy"].id,
        "lines-0-quantity": 4,
        "lines-1-product": "",
        "lines-1-policy": "",
        "lines-1-quantity": 1,
        "lines-2-product": w["user_product"].id,
        "lines-2-policy": w["user_policy"].id,
        "lines-2-quantity": 2,
    }


@pytest.mark.parametrize("htmx", [False, True])
def test_adding_a_bundle_line_keeps_what_was_typed(app, client, make, login, hx, htmx):
    w = issuing_world(make, permissions=("create_bundle_order",))
    login(w["manager"])
    before = snapshot(app)
    response = client.post(
        "/portal/orders/bundle", data={**_bundle_data(w), "add_line": "1"}, headers=hx if htmx else {}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("<html" in html) != htmx
    assert 'value="BUNDLE-7"' in html
    assert 'name="lines-3-product"' in html and 'name="lines-4-product"' not in html
    assert f'<option selected value="{w["key_product"].id}">' in html
    assert re.search(r'name="lines-0-quantity"[^>]*value="4"', html) or re.search(
        r'value="4"[^>]*name="lines-0-quantity"', html
    )
    assert 'class="error"' not in html  # adding a line validates nothing
    assert snapshot(app) == before  # and writes nothing


def test_the_dashboard_has_no_floating_card_without_floating_licenses(client, make, login):
    w = issuing_world(make)
    make.license(w["order"], w["key_policy"])
    login(w["manager"])
    html = client.get("/portal/").get_data(as_text=True)
    assert "Floating seats in use" not in html and "of 0" not in html
