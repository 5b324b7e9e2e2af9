"""Devices: reset, release a floating seat, revoke and lift the block, borrow; floating seats in use."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.models import Device, License, utcnow
from tests.end_user.licenses.support import events, field_error, get, race, scene, snapshot


@pytest.fixture
def w(make, login):
    w = scene(make)
    login(w["manager"])
    return w


@pytest.fixture
def floating(make, w):
    """A floating license (2 seats, 48 h borrow) with one device holding a seat, one not."""
    lic = make.license(w["order"], w["floating_policy"])
    holder = make.device(
        lic, hostname="cad-07", ip="10.0.0.7", floating_in_use=True, floating_since=utcnow() - dt.timedelta(hours=30)
    )
    idle = make.device(lic, hostname="cad-08")
    return lic, holder, idle


def test_reset_device_counts_down_and_frees_the_seat(client, make, floating):
    lic, holder, idle = floating
    response = client.post(f"/portal/devices/{holder.id}/reset")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portal/licenses/{lic.id}")
    assert "Device reset and license updated." in client.get(response.headers["Location"]).get_data(as_text=True)
    stored = get(make.app, License, lic.id)
    assert (stored.times_activated, stored.floating_in_use) == (1, 0)
    device = get(make.app, Device, holder.id)
    assert not device.is_active and not device.floating_in_use and device.deactivated_at
    (event,) = events(make.app, "device.reset")
    assert event.before["is_active"] is True and event.after["is_active"] is False
    assert event.object_label == "cad-07"
    # Once is enough: resetting again changes nothing.
    client.post(f"/portal/devices/{holder.id}/reset")
    assert get(make.app, License, lic.id).times_activated == 1
    assert len(events(make.app, "device.reset")) == 1


def test_two_resets_of_one_device_at_once_count_down_once(app, login, w, floating):
    lic, holder, _ = floating
    answers = race(app, login, w["manager"], lambda c, i: c.post(f"/portal/devices/{holder.id}/reset"))
    assert sorted(status for status, _ in answers) == [303, 303], answers
    stored = get(app, License, lic.id)
    assert (stored.times_activated, stored.floating_in_use) == (1, 0)
    assert len(events(app, "device.reset")) == 1


def test_release_frees_the_seat_and_keeps_the_device_active(client, make, floating):
    lic, holder, _ = floating
    response = client.post(f"/portal/devices/{holder.id}/release", data={"back": "floating"})
    assert response.headers["Location"].endswith("/portal/floating")
    assert "Floating seat released." in client.get("/portal/floating").get_data(as_text=True)
    device = get(make.app, Device, holder.id)
    assert device.is_active and not device.floating_in_use and device.floating_since is None
    stored = get(make.app, License, lic.id)
    assert (stored.times_activated, stored.floating_in_use) == (2, 0)


def test_floating_page_shows_who_holds_each_seat_since_when(client, make, w, floating, hx):
    lic, holder, idle = floating
    unmanaged = make.license(make.order(w["vendor"]), w["floating_policy"])
    make.device(unmanaged, hostname="not-mine", floating_in_use=True, floating_since=utcnow())
    html = client.get("/portal/floating").get_data(as_text=True)
    assert "cad-07" in html and "10.0.0.7" in html and lic.license_key in html
    assert holder.floating_since.strftime("%d %b %Y %H:%M") in html
    assert "cad-08" not in html and "not-mine" not in html
    assert f'hx-post="/portal/devices/{holder.id}/release" hx-confirm=' in html
    # The release from this page swaps this page's region back in.
    response = client.post(f"/portal/devices/{holder.id}/release", data={"back": "floating"}, headers=hx)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="floating-seats">') and "No floating seat is in use." in body


@pytest.mark.parametrize("action", ["reset", "release", "revoke", "unrevoke"])
def test_htmx_device_action_swaps_the_license_detail(client, floating, hx, action):
    lic, holder, _ = floating
    response = client.post(f"/portal/devices/{holder.id}/{action}", headers=hx)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert body.lstrip().startswith('<div id="license-detail">') and lic.license_key in body
    assert 'hx-swap-oob="true"' in body


def test_license_detail_lists_its_floating_seats(client, floating):
    lic, holder, _ = floating
    html = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
    assert "Floating seats in use (1 of 2)" in html
    assert f"/portal/devices/{holder.id}/release" in html


def test_revoke_blacklists_and_deactivates_then_the_block_lifts(client, make, floating):
    lic, holder, _ = floating
    response = client.post(f"/portal/devices/{holder.id}/revoke")
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Device blacklisted. It cannot activate this license again" in flashed
    device = get(make.app, Device, holder.id)
    assert device.is_revoked and device.revoked_at and not device.is_active and not device.floating_in_use
    stored = get(make.app, License, lic.id)
    assert (stored.times_activated, stored.floating_in_use) == (1, 0)
    (event,) = events(make.app, "device.revoked")
    assert (event.before["is_revoked"], event.after["is_revoked"]) == (False, True)
    client.post(f"/portal/devices/{holder.id}/unrevoke")
    device = get(make.app, Device, holder.id)
    assert not device.is_revoked and device.revoked_at is None
    assert len(events(make.app, "device.unrevoked")) == 1


def test_borrow_until_a_date_within_the_maximum(client, make, floating):
    lic, _, idle = floating
    until = (utcnow() + dt.timedelta(hours=24)).replace(second=0, microsecond=0)
    response = client.post(f"/portal/devices/{idle.id}/borrow", data={"until": until.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 303
    device = get(make.app, Device, idle.id)
    assert device.borrowed_until == until and device.floating_in_use
    assert get(make.app, License, lic.id).floating_in_use == 2
    (event,) = events(make.app, "device.borrowed")
    assert event.after["borrowed_until"] == until.isoformat()


@pytest.mark.parametrize(
    "hours, message",
    [
        (-1, "Choose a date and time in the future."),
        (49, "At most 48 hours from now"),
    ],
)
def test_borrow_outside_the_window_is_422(client, make, floating, hours, message):
    _, _, idle = floating
    before = snapshot(make.app)
    until = utcnow() + dt.timedelta(hours=hours)
    response = client.post(f"/portal/devices/{idle.id}/borrow", data={"until": until.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), "until")
    assert snapshot(make.app) == before


def test_borrow_needs_a_floating_license_and_a_date(client, make, w):
    lic = make.license(w["order"], w["key_policy"])
    device = make.device(lic)
    until = (utcnow() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/portal/devices/{device.id}/borrow", data={"until": until})
    assert response.status_code == 422
    assert "Only a floating license can be borrowed" in response.get_data(as_text=True)
    response = client.post(f"/portal/devices/{device.id}/borrow", data={"until": "soon"})
    assert response.status_code == 422


def test_borrow_when_every_seat_is_taken_is_409(client, make, w, floating):
    lic, _, idle = floating
    make.device(lic, floating_in_use=True, floating_since=utcnow())  # the second of 2 seats
    before = snapshot(make.app)
    until = (utcnow() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/portal/devices/{idle.id}/borrow", data={"until": until})
    assert response.status_code == 409
    assert "No free floating seat: all 2 seats of this license are in use." in response.get_data(as_text=True)
    assert snapshot(make.app) == before


def test_borrow_page_without_javascript(client, floating):
    _, _, idle = floating
    html = client.get(f"/portal/devices/{idle.id}/borrow").get_data(as_text=True)
    assert f'method="post" action="/portal/devices/{idle.id}/borrow"' in html
    assert 'type="datetime-local"' in html and "48 hours" in html


@pytest.mark.parametrize("action", ["reset", "release", "revoke"])
def test_device_actions_confirm_without_javascript(client, make, floating, action):
    _, holder, _ = floating
    before = snapshot(make.app)
    page = client.get(f"/portal/devices/{holder.id}/{action}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'method="post" action="/portal/devices/{holder.id}/{action}"' in html and "cad-07" in html
    assert snapshot(make.app) == before
