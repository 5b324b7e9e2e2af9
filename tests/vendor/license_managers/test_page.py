"""The License Managers page as one master–detail: the query travels with the pane, history, Undo, no-store."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from portal.models import LicenseManager, OrderManager
from tests.vendor.license_managers.support import BASE, bulk_managers, events, is_fragment, read, scalar, staffed, text


@pytest.fixture
def w(make, login, client):
    return staffed(make, login, client)


def _status(app, manager_id: int) -> str:
    return read(app, lambda: app.extensions["sqlalchemy"].session.get(LicenseManager, manager_id).status)


def _hrefs(html: str, pattern: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'href="({pattern}[^"]*)"', html)]


def test_the_detail_url_is_the_overview_with_its_query_and_the_pane_open(client, make, w):
    make.manager(w["vendor"], email="other@customer.test", account=w["account"])
    m = w["manager"]
    response = client.get(f"{BASE}/{m.id}?q=customer&sort=email")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and not is_fragment(response)
    # The list, filtered and sorted as the URL says, with the open manager's row marked.
    assert 'id="results"' in html and 'value="customer"' in html and 'aria-sort="ascending"' in html
    assert html.count('aria-current="true"') == 1
    current_row = html[html.index('aria-current="true"') : html.index("</tr>", html.index('aria-current="true"'))]
    assert m.license_user.email in current_row
    # The pane: the manager, its header with actions and a close button back to the same list.
    assert 'id="manager-name"' in html and m.license_user.email in text(response)
    assert _hrefs(html, f"{BASE}\\?")[-1] == f"{BASE}?q=customer&sort=email"  # close / back keep the query
    assert "Back to all license managers" in text(response)
    # Rows, tabs and actions carry the query, so a reload after any of them shows the same list.
    assert f'href="{BASE}/{m.id}?q=customer&amp;sort=email"' in html
    assert f'hx-get="{BASE}/{m.id}/orders?q=customer&amp;sort=email"' in html
    assert f'hx-post="{BASE}/{m.id}/disable?q=customer&amp;sort=email"' in html


def test_a_tab_reloaded_shows_the_list_and_the_tab_the_paged_tabs_keep_their_own_page(client, w):
    m = w["manager"]
    response = client.get(f"{BASE}/{m.id}/licenses?status=active&page=1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="results"' in html and 'aria-selected="true">Licenses' in html
    assert '<option value="active" selected>' in html
    # The overview's own paging is left out where ``page`` is the tab's.
    assert f'hx-get="{BASE}/{m.id}/orders?status=active"' in html
    assert f'hx-get="{BASE}/{m.id}/report?status=active"' in html


def test_a_pane_for_htmx_is_the_pane_alone_pushed_from_the_list_replaced_from_a_pane(client, hx, w):
    m = w["manager"]
    url = f"{BASE}/{m.id}?q=x"
    from_list = client.get(url, headers={**hx, "HX-Current-URL": f"http://localhost{BASE}?q=x"})
    assert is_fragment(from_list) and 'id="results"' not in from_list.get_data(as_text=True)
    assert from_list.headers["HX-Push-Url"] == url and "HX-Replace-Url" not in from_list.headers
    # The next manager (j/k) or another row while a pane is open: the same history entry.
    from_pane = client.get(url, headers={**hx, "HX-Current-URL": f"http://localhost{BASE}/{m.id + 1}/orders?q=x"})
    assert from_pane.headers["HX-Replace-Url"] == url and "HX-Push-Url" not in from_pane.headers


def test_a_search_while_the_pane_is_open_keeps_the_pane_in_the_url(client, hx, w):
    m = w["manager"]
    shown = {"HX-Current-URL": f"http://localhost{BASE}/{m.id}/orders?q=old"}
    search = client.get(f"{BASE}?q=new&sort=email", headers={**hx, **shown, "HX-Trigger": "q"})
    assert search.headers["HX-Push-Url"] == f"{BASE}/{m.id}/orders?q=new&sort=email"
    # The rows refreshing themselves after a change in the pane touch no history.
    refresh = client.get(f"{BASE}?q=old", headers={**hx, **shown, "HX-Trigger": "results"})
    assert "HX-Push-Url" not in refresh.headers
    plain = client.get(f"{BASE}?q=new", headers=hx)
    assert "HX-Push-Url" not in plain.headers


def test_disable_offers_an_undo_that_is_an_audited_enable(app, client, hx, w):
    m = w["manager"]
    response = client.post(f"{BASE}/{m.id}/disable?q=customer", headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _status(app, m.id) == "disabled"
    undo = f"{BASE}/{m.id}/enable?q=customer"
    assert f'<form method="post" action="{undo}" hx-post="{undo}"' in html and ">Undo</button>" in html
    assert response.headers["HX-Trigger"] == '{"licenseManagerChanged": true}'
    # Undo is a change of its own: the manager is enabled and the log keeps both events.
    undone = client.post(undo, headers={**hx, "HX-Target": "detail-pane"})
    assert undone.status_code == 200 and _status(app, m.id) != "disabled"
    assert undone.headers["HX-Replace-Url"] == f"{BASE}/{m.id}?q=customer"
    assert [e.action for e in events(app)] == ["license_manager.disabled", "license_manager.enabled"]
    assert "is enabled again" in text(undone)


def test_undo_works_without_javascript(app, client, w):
    m = w["manager"]
    done = client.post(f"{BASE}/{m.id}/disable?sort=email")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{BASE}/{m.id}?sort=email")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    undo = f"{BASE}/{m.id}/enable?sort=email"
    flash = page[page.index('id="flash"') : page.index("</main>")]
    form = flash[flash.index(f'<form method="post" action="{undo}"') :]
    assert 'class="inline-form undo-form"' in form and 'name="csrf_token"' in form[: form.index("</form>")]
    back = client.post(undo)
    assert back.status_code == 303 and _status(app, m.id) != "disabled"
    # A message is shown once: the page after the Undo offers no second Undo.
    assert ">Undo</button>" not in client.get(back.headers["Location"]).get_data(as_text=True)


def test_removing_an_order_offers_an_undo_that_adds_it_back(app, client, hx, make, w):
    m, order = w["manager"], w["order"]
    response = client.post(f"{BASE}/{m.id}/orders/{order.id}/remove", headers=hx)
    html = response.get_data(as_text=True)
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 0
    assert f'action="{BASE}/{m.id}/orders"' in html and f'name="order" value="{order.id}"' in html
    undone = client.post(f"{BASE}/{m.id}/orders", data={"order": order.id}, headers={**hx, "HX-Target": "detail-pane"})
    assert undone.status_code == 200 and 'id="manager-name"' in undone.get_data(as_text=True)  # the whole pane
    assert undone.headers["HX-Replace-Url"] == f"{BASE}/{m.id}/orders"
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 1
    assert [e.action for e in events(app)] == ["license_manager.order_removed", "license_manager.order_added"]


def test_remove_from_all_orders_offers_an_undo_that_adds_each_back(app, client, hx, make, w):
    m = w["manager"]
    second = make.order(w["vendor"], reference="SECOND-1")
    client.post(f"{BASE}/{m.id}/orders", data={"order": second.id})
    response = client.post(f"{BASE}/{m.id}/remove-from-orders", headers=hx)
    html = response.get_data(as_text=True)
    restore = f"{BASE}/{m.id}/orders/restore"
    assert f'action="{restore}"' in html
    ids = sorted(int(i) for i in re.findall(r'name="order" value="(\d+)"', html))
    assert ids == sorted([w["order"].id, second.id])
    undone = client.post(restore, data={"order": ids}, headers={**hx, "HX-Target": "detail-pane"})
    assert undone.status_code == 200 and "manages their 2 orders again" in text(undone)
    assert scalar(app, sa.select(sa.func.count()).select_from(OrderManager)) == 2
    added = events(app, "license_manager.order_added")
    assert len(added) == 3 and {e.after["order"] for e in added[1:]} == {w["order"].reference, "SECOND-1"}
    # An Undo sent twice adds nothing twice.
    again = client.post(restore, data={"order": ids}, headers=hx)
    assert again.status_code == 200 and len(events(app, "license_manager.order_added")) == 3


def test_restoring_an_order_of_another_vendor_is_refused_and_writes_nothing(app, client, make, w):
    other = make.world()
    response = client.post(f"{BASE}/{w['manager'].id}/orders/restore", data={"order": [other["order"].id]})
    assert response.status_code == 422
    assert events(app, "license_manager.order_added") == []


def test_actions_are_buttons_never_links(client, w):
    html = client.get(f"{BASE}/{w['manager'].id}/orders").get_data(as_text=True)
    assert re.findall(r"<a [^>]*hx-post", html) == []
    for label in ("Disable", "Remove from all orders", "Remove manager role", "Remove"):
        assert re.search(rf"<button [^>]*>{label}</button>", html), label


def test_no_aria_attribute_says_none(client, hx, w):
    m = w["manager"]
    pages = [
        client.get(f"{BASE}/{m.id}/orders?search=x"),
        client.post(f"{BASE}/{m.id}/orders", data={"order": "x"}),
        client.post(f"{BASE}/{m.id}/permissions", data={"permissions": ["nope"], f"cap-{w['key_product'].id}": "-1"}),
        client.get(f"{BASE}/new"),
        client.post(f"{BASE}/new", data={"email": "not an email"}),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert '="None"' not in html, response.request.path


@pytest.mark.parametrize(
    "path",
    [BASE, BASE + "/{id}", BASE + "/{id}/orders", "/vendor/audit"],
)
def test_signed_in_vendor_pages_are_never_stored(client, hx, w, path):
    url = path.format(id=w["manager"].id)
    for headers in ({}, hx):
        assert client.get(url, headers=headers).headers["Cache-Control"] == "no-store"
    assert client.post(f"{BASE}/{w['manager'].id}/disable").headers["Cache-Control"] == "no-store"


def test_signed_in_portal_pages_are_never_stored_and_static_files_are(app, make, login):
    w = make.world()
    manager = make.manager(w["vendor"], orders=[w["order"]])
    portal = login(manager, on=app.test_client())
    for url in ("/portal/", "/portal/orders", f"/portal/orders/{w['order'].id}", "/portal/licenses"):
        assert portal.get(url).headers["Cache-Control"] == "no-store", url
    static = portal.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["", "/orders", "/licenses"])
def test_the_page_with_the_pane_costs_the_same_beside_5_and_60_managers(app, make, count_queries, path):
    counts = []
    for n in (5, 60):
        w = make.world()
        staff = make.staff(w["vendor"])
        manager = make.manager(w["vendor"], permissions="all", orders=[w["order"]], password=None)
        bulk_managers(app, w["vendor"], n, account=w["account"])
        client_n = app.test_client()
        with client_n.session_transaction() as session:
            session["_user_id"] = f"staff:{staff.id}:{staff.session_version}"
        url = f"{BASE}/{manager.id}{path}?sort=email"
        client_n.get(url)  # warm up
        with count_queries() as q:
            response = client_n.get(url)
        assert response.status_code == 200 and 'id="results"' in response.get_data(as_text=True)
        counts.append(q.count)
    assert counts[0] == counts[1], counts
