"""Floating seats, the floating timeout, borrowing and consumption."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.licensing_client import LicensingError
from portal.models import Device, License, utcnow
from portal.tenancy import all_tenants


def refused(call) -> LicensingError:
    with pytest.raises(LicensingError) as info:
        call()
    return info.value


@pytest.fixture
def floating(make):
    """A floating license with 2 seats, 5 activations, 30 minutes' timeout, 24 hours' borrowing."""
    w = make.world()
    product = make.product(w["vendor"], floating=True)
    policy = make.policy(product, is_floating=True, floating_seats=2, max_activations=5, max_borrow_hours=24)
    return make.license(w["order"], policy, floating_timeout_minutes=30)


def machines(device, lic, *names):
    clients = [device(lic, name) for name in names]
    for client in clients:
        client.activate()
    return clients


def read_license(app, license_id) -> License:
    with app.app_context(), all_tenants(db.session):
        return db.session.get(License, license_id)


def silence(app, license_id, hardware_id, minutes):
    """The machine last checked in ``minutes`` ago (as if it died then)."""
    with app.app_context(), all_tenants(db.session):
        row = db.session.query(Device).filter_by(license_id=license_id, hardware_id=hardware_id).one()
        row.last_check_in_at = utcnow() - dt.timedelta(minutes=minutes)
        db.session.commit()


def test_seats_are_never_above_the_floating_seats(app, floating, device):
    a, b, c = machines(device, floating, "a", "b", "c")
    assert a.acquire()["license"]["floating_in_use"] == 1
    state = b.acquire()
    assert (state["license"]["floating_in_use"], state["license"]["floating_free"]) == (2, 0)
    error = refused(c.acquire)
    assert (error.status, error.code) == (409, "no_floating_seat")
    assert a.acquire()["license"]["floating_in_use"] == 2  # holding one already: no second seat
    assert a.release()["device"]["floating_in_use"] is False
    assert c.acquire()["device"]["floating_in_use"]
    assert read_license(app, floating.id).floating_in_use == 2


def test_a_seat_not_checked_in_within_the_timeout_is_free_at_once(app, floating, device):
    a, b, c = machines(device, floating, "a", "b", "c")
    a.acquire()
    b.acquire()
    silence(app, floating.id, "a", 31)
    assert c.check_in()["license"]["floating_free"] == 1  # counted free before anyone reclaims it
    assert c.acquire()["device"]["floating_in_use"]
    assert read_license(app, floating.id).floating_in_use == 2
    state = a.check_in()  # the dead machine comes back: its seat is gone
    assert state["device"]["floating_in_use"] is False
    assert refused(a.acquire).code == "no_floating_seat"


def test_a_seat_checked_in_within_the_timeout_is_kept(app, floating, device):
    a, b, c = machines(device, floating, "a", "b", "c")
    a.acquire()
    b.acquire()
    silence(app, floating.id, "a", 29)
    assert refused(c.acquire).code == "no_floating_seat"


def test_the_sweep_frees_stale_seats(app, floating, device):
    from portal.services.activations import actions
    from portal.tenancy import set_tenant

    (a,) = machines(device, floating, "a")
    a.acquire()
    silence(app, floating.id, "a", 60)
    with app.app_context():
        set_tenant(db.session, floating.vendor_account_id)
        assert actions.sweep_stale_seats(db.session.get(License, floating.id)) == 1
        db.session.commit()
    assert read_license(app, floating.id).floating_in_use == 0


def test_borrow_holds_the_seat_past_the_timeout_up_to_the_maximum(app, floating, device):
    a, b, c = machines(device, floating, "a", "b", "c")
    state = a.borrow(hours=12)
    assert state["device"]["borrowed_until"] and state["device"]["floating_in_use"]
    b.acquire()
    silence(app, floating.id, "a", 120)
    assert refused(c.acquire).code == "no_floating_seat"  # borrowed: not free although silent
    error = refused(lambda: c.borrow(hours=25))
    assert (error.status, error.code) == (422, "borrow_limit")
    error = refused(lambda: c.borrow(until=utcnow() + dt.timedelta(days=3)))
    assert error.code == "borrow_limit"
    assert refused(lambda: c.borrow(until=utcnow() - dt.timedelta(hours=1))).code == "invalid"


def test_borrow_and_acquire_need_a_floating_license(make, device):
    w = make.world()
    lic = make.license(w["order"], w["key_policy"])
    client = device(lic)
    client.activate()
    assert refused(client.acquire).code == "not_floating"
    assert refused(lambda: client.borrow(hours=1)).code == "borrow_limit"


def test_consumption_counts_up_to_its_maximum(app, make, device):
    w = make.world()
    policy = make.policy(w["key_product"], license_type="consumption", max_consumptions=10)
    lic = make.license(w["order"], policy, max_consumptions=10)
    client = device(lic)
    client.activate()
    assert client.add_usage(4)["license"]["consumptions"] == 4
    assert client.add_usage(6)["license"]["consumptions"] == 10
    error = refused(lambda: client.add_usage(1))
    assert (error.status, error.code) == (409, "consumption_limit")
    assert read_license(app, lic.id).consumptions == 10
    assert refused(lambda: client.add_usage(0)).code == "invalid"
    other = make.license(w["order"], w["key_policy"])
    perpetual = device(other, "p")
    perpetual.activate()
    assert refused(lambda: perpetual.add_usage(1)).code == "not_consumption"
