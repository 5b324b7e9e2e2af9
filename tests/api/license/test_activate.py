"""Activate, check in, deactivate: the activation limit, transfers, revoked devices, signatures."""

from __future__ import annotations

import datetime as dt

import pytest

from portal import signing
from portal.extensions import db
from portal.licensing_client import LicensingError, SignatureError, post
from portal.models import AuditEvent, Device, License, utcnow
from portal.tenancy import all_tenants


def refused(call) -> LicensingError:
    with pytest.raises(LicensingError) as info:
        call()
    return info.value


def read(app, model, row_id):
    with app.app_context(), all_tenants(db.session):
        return db.session.get(model, row_id)


@pytest.fixture
def w(make):
    return make.world()


def test_activate_answers_the_signed_license_state(app, make, w, device):
    lic = make.license(w["order"], w["key_policy"], max_activations=2)
    state = device(lic).activate()
    assert state["license"]["status"] == "active"
    assert state["license"]["times_activated"] == 1
    assert state["license"]["max_activations"] == 2
    assert state["device"]["is_active"] and state["device"]["hardware_id"] == "hw-1"
    assert read(app, License, lic.id).times_activated == 1
    with app.app_context(), all_tenants(db.session):
        assert db.session.query(AuditEvent).filter_by(action="device.activated").count() == 1


def test_activating_again_on_the_same_machine_counts_once(app, make, w, device):
    lic = make.license(w["order"], w["key_policy"], max_activations=1)
    client = device(lic)
    client.activate()
    assert client.activate()["license"]["times_activated"] == 1


def test_the_signature_verifies_with_the_published_key_only(app, make, w, device, server, public_key):
    lic = make.license(w["order"], w["key_policy"])
    client = device(lic)
    body = {**client.identity, "nonce": "n1"}
    status, answer, _ = post(server, "/api/v1/license/activate", body)
    assert status == 200
    assert signing.verify(client.public_key, answer["payload"], answer["signature"])
    pem = _pem(app, lic.vendor_account_id)
    assert signing.verify(pem, answer["payload"], answer["signature"])
    tampered = {**answer["payload"], "license": {**answer["payload"]["license"], "max_activations": 999}}
    assert not signing.verify(client.public_key, tampered, answer["signature"])
    other = make.vendor()
    client.public_key = public_key(other)  # another vendor's key does not verify this vendor's answers
    with pytest.raises(SignatureError):
        client.check_in()


def _pem(app, vendor_id):
    from portal.models import VendorAccount

    with app.app_context(), all_tenants(db.session):
        return signing.public_key_pem(db.session.get(VendorAccount, vendor_id))


def test_the_activation_limit_holds(app, make, w, device):
    lic = make.license(w["order"], w["key_policy"], max_activations=2)
    device(lic, "a").activate()
    device(lic, "b").activate()
    error = refused(device(lic, "c").activate)
    assert (error.status, error.code) == (409, "activation_limit")
    assert read(app, License, lic.id).times_activated == 2


def test_deactivate_then_activate_elsewhere_is_a_transfer_up_to_the_limit(app, make, w, device):
    lic = make.license(w["order"], w["key_policy"], max_activations=1, transfer_limit=1)
    first = device(lic, "a")
    first.activate()
    assert first.deactivate()["license"]["times_activated"] == 0
    state = device(lic, "b").activate()
    assert state["license"]["transfer_count"] == 1
    device(lic, "b").deactivate()
    # Back on a machine it knew is no transfer; a third machine is one too many.
    assert device(lic, "a").activate()["license"]["transfer_count"] == 1
    device(lic, "a").deactivate()
    error = refused(device(lic, "c").activate)
    assert (error.status, error.code) == (409, "transfer_limit")
    after = read(app, License, lic.id)
    assert (after.transfer_count, after.times_activated) == (1, 0)


def test_check_in_after_deactivate_or_unknown_machine_is_refused(make, w, device):
    lic = make.license(w["order"], w["key_policy"])
    assert refused(device(lic, "never").check_in).code == "device_not_active"
    client = device(lic)
    client.activate()
    assert client.check_in()["device"]["last_check_in_at"]
    client.deactivate()
    error = refused(client.check_in)
    assert (error.status, error.code) == (409, "device_not_active")
    assert refused(client.deactivate).code == "device_not_active"


def test_disabled_and_expired_licenses_refuse(make, w, device):
    disabled = make.license(w["order"], w["key_policy"], status="disabled")
    error = refused(device(disabled).activate)
    assert (error.status, error.code) == (403, "license_disabled")
    expired = make.license(w["order"], w["key_policy"], valid_until=utcnow() - dt.timedelta(days=1))
    error = refused(device(expired).activate)
    assert (error.status, error.code) == (403, "license_expired")
    valid = make.license(w["order"], w["key_policy"], valid_until=utcnow() + dt.timedelta(days=1))
    assert device(valid).activate()["license"]["valid_until"]


def test_a_revoked_device_cannot_activate(app, make, w, device):
    lic = make.license(w["order"], w["key_policy"])
    revoked = make.device(lic, count=False, is_active=False, is_revoked=True)
    error = refused(device(lic, revoked.hardware_id).activate)
    assert (error.status, error.code) == (403, "device_revoked")
    assert read(app, License, lic.id).times_activated == 0


def test_unknown_key_product_or_account(make, w, device):
    lic = make.license(w["order"], w["key_policy"])
    assert refused(device(lic, license_key="NOPE-NOPE").activate).code == "license_not_found"
    error = refused(device(lic, product=w["user_product"].code).activate)
    assert (error.status, error.code) == (400, "product_mismatch")
    client = device(lic)
    client.identity["account"] = "va_unknown"
    assert refused(client.activate).status == 404


def test_user_based_activation_needs_a_seat_and_the_password(app, make, w, device):
    lic = make.license(w["order"], w["user_policy"])
    user = make.license_user(w["vendor"], password_hash=make.hash("s3cret-pass"))
    outsider = make.license_user(w["vendor"], password_hash=make.hash("s3cret-pass"))
    make.assignment(lic, user)
    state = device(lic, email=user.email, password="s3cret-pass").activate()
    assert state["license"]["id"] == lic.id
    error = refused(device(lic, email=user.email, password="wrong").activate)
    assert (error.status, error.code) == (401, "invalid_credentials")
    assert refused(device(lic, email="nobody@x.test", password="x").activate).code == "invalid_credentials"
    assert refused(device(lic, email=outsider.email, password="s3cret-pass").activate).code == "license_not_found"


def test_isolation_a_key_of_one_vendor_never_reaches_another(app, make, w, device):
    lic = make.license(w["order"], w["key_policy"])
    other = make.vendor()
    other_product = make.product(other)
    make.license(make.order(other), make.policy(other_product))
    # The other vendor's account with this vendor's key (and even a product code of theirs).
    client = device(lic, vendor=other, product=w["key_product"].code)
    assert refused(client.activate).code == "license_not_found"
    client = device(lic, vendor=other, product=other_product.code)
    assert refused(client.activate).code == "license_not_found"
    with app.app_context(), all_tenants(db.session):
        assert db.session.query(Device).count() == 0


def test_a_signed_answer_replayed_to_another_request_is_refused(make, w, device, monkeypatch):
    lic = make.license(w["order"], w["key_policy"])
    client = device(lic)
    recorded = []
    real_post = post

    def recording(*args, **kwargs):
        recorded.append(real_post(*args, **kwargs))
        return recorded[0]

    monkeypatch.setattr("portal.licensing_client.post", recording)
    client.activate()
    with pytest.raises(SignatureError):
        client.check_in()  # the server answered; the client was handed the old, validly signed answer
