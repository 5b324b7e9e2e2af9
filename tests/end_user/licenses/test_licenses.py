"""Licenses: the list (search, filters, pages, fragment), the detail, enable/disable, note, reset."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.models import Device, License, utcnow
from tests.end_user.licenses.support import events, field_error, get, scene, snapshot


@pytest.fixture
def w(make, login):
    w = scene(make)
    login(w["manager"])
    return w


def test_list_shows_only_the_managed_orders_licenses(client, make, w):
    mine = make.license(w["order"], w["key_policy"])
    unmanaged = make.license(make.order(w["vendor"]), w["key_policy"])
    html = client.get("/portal/licenses").get_data(as_text=True)
    assert mine.license_key in html
    assert unmanaged.license_key not in html


def test_search_matches_key_note_and_order_reference(client, make, w):
    other_order = make.order(w["vendor"], reference="PO-SPECIAL-7", managers=[w["manager"]])
    by_key = make.license(w["order"], w["key_policy"])
    by_note = make.license(w["order"], w["key_policy"], note="Laptop of the CFO")
    by_order = make.license(other_order, w["key_policy"])
    for query, expected in [(by_key.license_key[:9], by_key), ("cfo", by_note), ("special-7", by_order)]:
        html = client.get("/portal/licenses", query_string={"q": query}).get_data(as_text=True)
        found = [lic for lic in (by_key, by_note, by_order) if lic.license_key in html]
        assert found == [expected], query


def test_search_takes_percent_and_underscore_literally(client, make, w):
    make.license(w["order"], w["key_policy"], note="plain")
    make.license(w["order"], w["key_policy"], note="50% off_list")
    for q, found in (("%%%", False), ("p_ain", False), ("0% o", True), ("f_l", True)):
        html = client.get("/portal/licenses", query_string={"q": q}).get_data(as_text=True)
        assert ("No licenses found." not in html) is found, q


def test_a_search_shorter_than_three_characters_is_not_applied_and_says_so(client, make, w):
    make.license(w["order"], w["key_policy"], note="plain")
    html = client.get("/portal/licenses", query_string={"q": "%"}).get_data(as_text=True)
    assert "No licenses found." not in html and "1 license" in html
    assert 'aria-describedby="license-q-hint"' in html and "Type at least 3 characters to search." in html


def test_filters_product_status_type_and_expiring(client, make, w):
    now = utcnow()
    key = make.license(w["order"], w["key_policy"], status="active")
    floating = make.license(w["order"], w["floating_policy"], status="disabled")
    expiring = make.license(
        w["order"], w["key_policy"], license_type="time-limited", valid_until=now + dt.timedelta(days=10)
    )
    later = make.license(
        w["order"], w["key_policy"], license_type="time-limited", valid_until=now + dt.timedelta(days=200)
    )
    cases = [
        ({"product": w["floating_product"].id}, [floating]),
        ({"status": "disabled"}, [floating]),
        ({"status": "active"}, [key]),
        ({"type": "time-limited"}, [expiring, later]),
        ({"expiring": 30}, [expiring]),
        ({"expiring": 30, "status": "inactive"}, [expiring]),
    ]
    everything = (key, floating, expiring, later)
    for args, expected in cases:
        html = client.get("/portal/licenses", query_string=args).get_data(as_text=True)
        assert [lic for lic in everything if lic.license_key in html] == expected, args


@pytest.mark.parametrize("product", [str(2**31), str(2**64), "0", "-3", "abc", ""])
def test_a_product_id_that_cannot_exist_is_ignored(client, make, w, product):
    licenses = [make.license(w["order"], w["key_policy"]), make.license(w["order"], w["floating_policy"])]
    response = client.get("/portal/licenses", query_string={"product": product})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert [lic for lic in licenses if lic.license_key in html] == licenses


def test_htmx_gets_the_results_fragment_and_a_plain_request_the_page(client, make, w, hx):
    lic = make.license(w["order"], w["key_policy"])
    page = client.get("/portal/licenses")
    fragment = client.get("/portal/licenses", headers=hx)
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="license-results">')
    assert lic.license_key in body
    assert "HX-Request" in fragment.headers["Vary"]
    searched = client.get("/portal/licenses?q=abc&product=&status=active&type=&expiring=", headers=hx)
    assert searched.headers["HX-Push-Url"] == "/portal/licenses?q=abc&status=active"
    # The search form works without JavaScript and pushes the URL with it.
    html = page.get_data(as_text=True)
    assert 'method="get" action="/portal/licenses"' in html and 'hx-push-url="true"' in html


def test_list_pages_by_25(client, make, w):
    keys = [make.license(w["order"], w["key_policy"]).license_key for _ in range(27)]
    first = client.get("/portal/licenses").get_data(as_text=True)
    second = client.get("/portal/licenses?page=2").get_data(as_text=True)
    assert sum(k in first for k in keys) == 25 and sum(k in second for k in keys) == 2
    assert "1–25 of 27 licenses" in first and "page=2" in first
    assert keys[-1] in first and keys[0] in second  # newest first


@pytest.mark.parametrize("path", ["/portal/licenses", "/portal/licenses/{id}"])
def test_query_count_does_not_grow_with_rows(client, make, w, count_queries, path):
    roomy = make.policy(w["user_product"], max_license_users=100)
    counts = []
    for n in (5, 100):
        lic = make.license(w["order"], roomy, max_activations=None)
        for i in range(n):
            make.license(w["order"], w["key_policy"], note=f"filler {i}")
            make.device(lic, count=False)
            make.assignment(lic, make.license_user(w["vendor"]))
        with count_queries() as q:
            assert client.get(path.format(id=lic.id)).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_detail_shows_limits_devices_and_users(client, make, w):
    lic = make.license(w["order"], w["floating_policy"], transfer_count=2, transfer_limit=4, note="Render farm")
    since = utcnow() - dt.timedelta(hours=5)
    make.device(lic, hostname="render-01", ip="10.1.2.3", floating_in_use=True, floating_since=since)
    make.device(lic, hostname="render-02", is_revoked=True, is_active=False, count=False)
    html = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    for text in [
        "render-01",
        "10.1.2.3",
        "Debian 12",
        "render-02",
        "Revoked",
        "Render farm",
        "Transfers</dt><dd>2 of 4",
        "Times activated</dt><dd>1 of 5",
        "1 of 2 in use",
        since.strftime("%d %b %Y %H:%M"),
        "48 hours",
    ]:
        assert text in html, text


def test_detail_of_a_user_based_license_lists_its_users(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    user = make.license_user(w["vendor"], email="ada@customer.test")
    make.assignment(lic, user)
    html = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    assert "ada@customer.test" in html and "1 of 5 seats assigned" in html


def test_buttons_show_only_with_the_permission(client, make, login, w):
    lic = make.license(w["order"], w["key_policy"])
    make.device(lic)
    everything = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    limited = make.manager(w["vendor"], permissions=[], account=w["account"], orders=[w["order"]])
    login(limited)
    nothing = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    for action in ["/disable", "/reset", "/note", "/revoke"]:
        assert action in everything, action
        assert action not in nothing, action


def test_disable_then_enable_restores_the_status(client, make, w):
    lic = make.license(w["order"], w["key_policy"], status="active")
    response = client.post(f"/portal/licenses/{lic.id}/disable")
    assert response.status_code == 303
    stored = get(make.app, License, lic.id)
    assert (stored.status, stored.status_before_disable) == ("disabled", "active")
    assert "License disabled." in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(f"/portal/licenses/{lic.id}/enable")
    assert get(make.app, License, lic.id).status == "active"
    (disabled,), (enabled,) = events(make.app, "license.disabled"), events(make.app, "license.enabled")
    assert (disabled.before, disabled.after) == ({"status": "active"}, {"status": "disabled"})
    assert enabled.after == {"status": "active"}
    assert disabled.actor_label == w["manager"].license_user.email


def test_enable_restores_inactive_too(client, make, w):
    lic = make.license(w["order"], w["key_policy"], status="inactive")
    client.post(f"/portal/licenses/{lic.id}/disable")
    client.post(f"/portal/licenses/{lic.id}/disable")  # twice: the remembered status stays
    client.post(f"/portal/licenses/{lic.id}/enable")
    assert get(make.app, License, lic.id).status == "inactive"
    assert len(events(make.app, "license.disabled")) == 1


def test_htmx_action_swaps_the_detail_region_with_the_message(client, make, w, hx):
    lic = make.license(w["order"], w["key_policy"], status="active")
    response = client.post(f"/portal/licenses/{lic.id}/disable", headers=hx)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="license-detail">') and "<html" not in body
    assert 'hx-swap-oob="true"' in body and "License disabled." in body


def test_edit_note_and_too_long_note_is_422(client, make, w):
    lic = make.license(w["order"], w["key_policy"], note="old")
    assert client.post(f"/portal/licenses/{lic.id}/note", data={"note": "new note"}).status_code == 303
    assert get(make.app, License, lic.id).note == "new note"
    (event,) = events(make.app, "license.note_changed")
    assert (event.before, event.after) == ({"note": "old"}, {"note": "new note"})
    before = snapshot(make.app)
    response = client.post(f"/portal/licenses/{lic.id}/note", data={"note": "x" * 2001})
    assert response.status_code == 422
    assert "2,000 characters" in field_error(response.get_data(as_text=True), "note")
    assert snapshot(make.app) == before


def test_reset_license_deactivates_every_device_and_zeroes_the_counts(client, make, w):
    lic = make.license(w["floating_policy"] and w["order"], w["floating_policy"], consumptions=0)
    devices = [
        make.device(lic, floating_in_use=True, floating_since=utcnow()),
        make.device(lic),
        make.device(lic, is_revoked=True, is_active=False, count=False),
    ]
    response = client.post(f"/portal/licenses/{lic.id}/reset")
    assert response.status_code == 303
    assert "License and all devices reset." in client.get(response.headers["Location"]).get_data(as_text=True)
    stored = get(make.app, License, lic.id)
    assert (stored.times_activated, stored.floating_in_use, stored.consumptions) == (0, 0, 0)
    fresh = [get(make.app, Device, d.id) for d in devices]
    assert not any(d.is_active or d.floating_in_use for d in fresh)
    assert fresh[2].is_revoked  # a reset does not lift a block
    (event,) = events(make.app, "license.reset")
    assert event.before["times_activated"] == 2 and event.after["times_activated"] == 0
    assert event.after["devices_deactivated"] == 2


@pytest.mark.parametrize("action", ["disable", "reset"])
def test_destructive_actions_confirm_without_javascript(client, make, w, action):
    lic = make.license(w["order"], w["key_policy"], status="active")
    make.device(lic)
    before = snapshot(make.app)
    page = client.get(f"/portal/licenses/{lic.id}/{action}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'method="post" action="/portal/licenses/{lic.id}/{action}"' in html
    assert snapshot(make.app) == before
    detail = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    # With JavaScript the button asks through hx-confirm; without, its form GETs this page.
    assert f'method="get" action="/portal/licenses/{lic.id}/{action}"' in detail
    assert f'hx-post="/portal/licenses/{lic.id}/{action}" hx-confirm=' in detail


def test_post_without_csrf_token_is_400_and_writes_nothing(client, make, w):
    lic = make.license(w["order"], w["key_policy"], status="active")
    before = snapshot(make.app)
    client.send_csrf = False
    assert client.post(f"/portal/licenses/{lic.id}/disable").status_code == 400
    assert snapshot(make.app) == before
