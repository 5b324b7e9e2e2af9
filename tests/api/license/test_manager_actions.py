"""What a manager does in the portal reaches the software at its next call."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.licensing_client import LicensingError
from portal.models import Device
from portal.tenancy import all_tenants


def device_id(app, license_id: int, hardware_id: str) -> int:
    with app.app_context(), all_tenants(db.session):
        return db.session.query(Device).filter_by(license_id=license_id, hardware_id=hardware_id).one().id


@pytest.fixture
def setup(make, client, login):
    w = make.world()
    manager = make.manager(w["vendor"], permissions="all", orders=[w["order"]])
    login(manager)
    return w, client


def code_of(call) -> str:
    with pytest.raises(LicensingError) as info:
        call()
    return info.value.code


def test_a_device_reset_refuses_the_next_check_in_until_it_activates_again(app, make, setup, device):
    w, portal = setup
    lic = make.license(w["order"], w["key_policy"], max_activations=1)
    machine = device(lic)
    machine.activate()
    assert portal.post(f"/portal/devices/{device_id(app, lic.id, 'hw-1')}/reset").status_code in (200, 303)
    assert code_of(machine.check_in) == "device_not_active"
    assert machine.activate()["license"]["times_activated"] == 1
    assert machine.check_in()["device"]["is_active"]


def test_a_license_reset_refuses_every_device(app, make, setup, device):
    w, portal = setup
    lic = make.license(w["order"], w["key_policy"], max_activations=2)
    a, b = device(lic, "a"), device(lic, "b")
    a.activate()
    b.activate()
    assert portal.post(f"/portal/licenses/{lic.id}/reset").status_code in (200, 303)
    assert code_of(a.check_in) == code_of(b.check_in) == "device_not_active"


def test_a_revoked_device_is_refused_and_cannot_activate_again(app, make, setup, device):
    w, portal = setup
    lic = make.license(w["order"], w["key_policy"])
    machine = device(lic)
    machine.activate()
    assert portal.post(f"/portal/devices/{device_id(app, lic.id, 'hw-1')}/revoke").status_code in (200, 303)
    assert code_of(machine.check_in) == "device_revoked"
    assert code_of(machine.activate) == "device_revoked"


def test_a_disabled_license_refuses_check_in_and_activation_until_enabled(app, make, setup, device):
    w, portal = setup
    lic = make.license(w["order"], w["key_policy"])
    machine = device(lic)
    machine.activate()
    assert portal.post(f"/portal/licenses/{lic.id}/disable").status_code in (200, 303)
    assert code_of(machine.check_in) == "license_disabled"
    assert code_of(device(lic, "other").activate) == "license_disabled"
    assert portal.post(f"/portal/licenses/{lic.id}/enable").status_code in (200, 303)
    assert machine.check_in()["license"]["status"] == "active"


def test_a_seat_released_by_the_manager_is_free_for_another_machine(app, make, setup, device):
    w, portal = setup
    product = make.product(w["vendor"], floating=True)
    policy = make.policy(product, is_floating=True, floating_seats=1, max_activations=5)
    lic = make.license(w["order"], policy)
    holder, other = device(lic, "a"), device(lic, "b")
    holder.activate()
    other.activate()
    holder.acquire()
    assert code_of(other.acquire) == "no_floating_seat"
    assert portal.post(f"/portal/devices/{device_id(app, lic.id, 'a')}/release").status_code in (200, 303)
    assert other.acquire()["device"]["floating_in_use"]
