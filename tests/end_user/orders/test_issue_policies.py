"""The issue form offers the policies of the chosen product: an htmx swap of the policy select on
product change, the same on the full page without JavaScript, and the server refuses a policy of
another product at the field."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import License
from portal.tenancy import all_tenants


@pytest.fixture
def w(make, login):
    world = make.world()
    world["key_policy_2"] = make.policy(world["key_product"], name="Key annual")
    world["manager"] = make.manager(
        world["vendor"],
        permissions=["issue_license"],
        orders=[world["order"]],
        products=[world["key_product"], world["user_product"]],
        policies=[world["key_policy"], world["key_policy_2"], world["user_policy"]],
    )
    login(world["manager"])
    return world


def _options(html: str) -> set[int]:
    select = html.split('name="policy"', 1)[1].split("</select>", 1)[0]
    return {int(v) for v in re.findall(r'value="(\d+)"', select)}


def test_the_product_select_asks_for_its_policies(client, w):
    html = client.get(f"/portal/orders/{w['order'].id}").get_data(as_text=True)
    url = f"/portal/orders/{w['order'].id}/licenses/policies"
    assert f'hx-get="{url}"' in html and 'hx-target="#issue-policy"' in html
    # Before a product is chosen every allowed policy is offered, grouped by product.
    assert _options(html) == {w["key_policy"].id, w["key_policy_2"].id, w["user_policy"].id}


def test_htmx_swaps_in_the_policies_of_the_chosen_product(client, hx, w):
    url = f"/portal/orders/{w['order'].id}/licenses/policies"
    response = client.get(url, query_string={"product": w["user_product"].id}, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="issue-policy">')
    assert "<html" not in html and _options(html) == {w["user_policy"].id}
    key = client.get(url, query_string={"product": w["key_product"].id}, headers=hx).get_data(as_text=True)
    assert _options(key) == {w["key_policy"].id, w["key_policy_2"].id}


def test_without_javascript_the_url_is_the_order_page_with_the_product_chosen(client, w):
    url = f"/portal/orders/{w['order'].id}/licenses/policies"
    page = client.get(url, query_string={"product": w["user_product"].id})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and _options(html) == {w["user_policy"].id}
    junk = client.get(url, query_string={"product": "junk"})
    assert junk.status_code == 200 and len(_options(junk.get_data(as_text=True))) == 3


def test_a_policy_of_another_product_is_refused_at_the_field(app, client, w):
    response = client.post(
        f"/portal/orders/{w['order'].id}/licenses",
        data={"product": w["user_product"].id, "policy": w["key_policy"].id, "quantity": 1},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="policy-error"' in html and f"not one of {w['user_product'].name}" in html
    assert _options(html) == {w["user_policy"].id}  # the form again offers the product's own
    with app.app_context(), all_tenants(db.session):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(License)) == 0


def test_another_managers_order_is_404_and_the_permission_is_named(client, make, login, w):
    other = make.order(w["vendor"])
    assert client.get(f"/portal/orders/{other.id}/licenses/policies").status_code == 404
    plain = make.manager(w["vendor"], orders=[w["order"]])
    login(plain)
    refused = client.get(f"/portal/orders/{w['order'].id}/licenses/policies")
    assert refused.status_code == 403 and "issue_license" in refused.get_data(as_text=True)
