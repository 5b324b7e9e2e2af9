"""Two-factor sign-in with TOTP: wrong, right and replayed codes, single-use recovery codes,
the code step's own limit, and staff held on enrolment when their account requires it."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import RecoveryCode, TwoFactor, VendorBranding
from portal.tenancy import all_tenants
from tests.auth.helpers import actions, enrol, next_code, sign_in
from tests.auth.test_rate_limit import limited_app
from tests.factories import Factory


@pytest.fixture
def manager_with_totp(app, make, client):
    vendor = make.vendor()
    manager = make.manager(vendor, email="totp@customer.test")
    assert sign_in(client, "totp@customer.test").status_code == 303
    secret, codes = enrol(client)
    client.post("/portal/logout")
    return manager, secret, codes


def test_enrolment_needs_a_right_code_and_stores_the_codes_hashed(app, make, client):
    vendor = make.vendor()
    make.manager(vendor, email="enrol@customer.test")
    sign_in(client, "enrol@customer.test")
    page = client.get("/portal/account/two-factor").get_data(as_text=True)
    assert "otpauth://totp/" in page and "<svg" in page and "style=" not in page.split("<svg", 1)[1].split("</svg>")[0]
    wrong = client.post("/portal/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "This code is not right" in html
    with app.app_context(), all_tenants(db.session):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TwoFactor)) == 0
    secret, codes = enrol(client)
    with app.app_context(), all_tenants(db.session):
        hashes = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and not {c for c in codes} & hashes
    assert [e.action for e in actions(app, "account.two_factor")] == ["account.two_factor_enabled"]
    # Shown once: the account page counts them but does not show them again.
    account = client.get("/portal/account").get_data(as_text=True)
    assert codes[0] not in account and "10 of 10 recovery codes left" in account


def test_sign_in_asks_for_the_code_and_refuses_wrong_and_replayed_ones(app, client, manager_with_totp):
    _, secret, _ = manager_with_totp
    step = sign_in(client, "totp@customer.test")
    assert step.status_code == 303 and step.headers["Location"].endswith("/portal/login/two-factor")
    assert client.get("/portal/").status_code == 302  # the password alone signs no one in
    wrong = client.post("/portal/login/two-factor", data={"code": "123456"})
    assert wrong.status_code == 401 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    code = next_code(secret)
    right = client.post("/portal/login/two-factor", data={"code": code})
    assert right.status_code == 303 and right.headers["Location"].endswith("/portal/")
    assert client.get("/portal/").status_code == 200
    # The same code again, inside its window, from another browser that knows the password: refused.
    other = app.test_client()
    sign_in(other, "totp@customer.test")
    replay = other.post("/portal/login/two-factor", data={"code": code})
    assert replay.status_code == 401
    assert other.get("/portal/").status_code == 302
    signed = [e for e in actions(app, "manager.signed_in")]
    assert signed[-1].after == {"second_factor": "totp"}


def test_an_earlier_code_than_the_last_accepted_is_refused(app, client, manager_with_totp):
    _, secret, _ = manager_with_totp
    sign_in(client, "totp@customer.test")
    assert client.post("/portal/login/two-factor", data={"code": next_code(secret)}).status_code == 303
    other = app.test_client()
    sign_in(other, "totp@customer.test")
    assert other.post("/portal/login/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 401


def test_recovery_codes_work_once_each(app, client, manager_with_totp):
    _, _, codes = manager_with_totp
    sign_in(client, "totp@customer.test")
    assert client.post("/portal/login/two-factor", data={"code": codes[0].upper()}).status_code == 303
    assert client.get("/portal/").status_code == 200
    again = app.test_client()
    sign_in(again, "totp@customer.test")
    assert again.post("/portal/login/two-factor", data={"code": codes[0]}).status_code == 401
    assert again.post("/portal/login/two-factor", data={"code": codes[1].replace("-", " ")}).status_code == 303
    assert "8 of 10 recovery codes left" in again.get("/portal/account").get_data(as_text=True)
    with app.app_context(), all_tenants(db.session):
        assert db.session.scalar(sa.select(sa.func.count()).where(RecoveryCode.used_at.is_not(None))) == 2


def test_the_code_step_is_rate_limited_per_person(app, database_url):
    limited = limited_app(database_url, LOGIN_IP_LIMIT="100 per minute")
    make = Factory(limited)
    make.manager(make.vendor(), email="limited@customer.test")
    client = limited.test_client()
    sign_in(client, "limited@customer.test")
    secret, _ = enrol(client)
    client.post("/portal/logout")
    sign_in(client, "limited@customer.test")
    answers = [client.post("/portal/login/two-factor", data={"code": "111111"}).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    # Another address changes nothing: the limit is the person's.
    other = limited.test_client()
    sign_in(
        other,
        "limited@customer.test",
    )
    refused = other.post(
        "/portal/login/two-factor", data={"code": next_code(secret)}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert refused.status_code == 429
    with limited.app_context():
        db.engine.dispose()


def test_the_pending_sign_in_expires(app, client, manager_with_totp, monkeypatch):
    _, secret, _ = manager_with_totp
    sign_in(client, "totp@customer.test")
    from portal.views import signing_in

    monkeypatch.setattr(signing_in, "PENDING_SECONDS", -1)
    late = client.post("/portal/login/two-factor", data={"code": next_code(secret)})
    assert late.status_code == 303 and late.headers["Location"].endswith("/portal/login")


def test_turning_it_off_needs_the_password(app, client, manager_with_totp):
    _, secret, _ = manager_with_totp
    sign_in(client, "totp@customer.test")
    client.post("/portal/login/two-factor", data={"code": next_code(secret)})
    assert client.get("/portal/account/two-factor/disable").status_code == 200
    wrong = client.post("/portal/account/two-factor/disable", data={"password": "not it at all"})
    assert wrong.status_code == 422 and "This is not your current password." in wrong.get_data(as_text=True)
    from tests.factories import PASSWORD

    assert client.post("/portal/account/two-factor/disable", data={"password": PASSWORD}).status_code == 303
    assert [e.action for e in actions(app, "account.two_factor")][-1] == "account.two_factor_disabled"
    client.post("/portal/logout")
    assert sign_in(client, "totp@customer.test").headers["Location"].endswith("/portal/")


def _require(app, vendor):
    with app.app_context(), all_tenants(db.session):
        db.session.get(VendorBranding, vendor.id).staff_two_factor_required = True
        db.session.commit()


def test_staff_of_an_account_that_requires_it_are_held_on_enrolment(app, make, client):
    vendor = make.vendor()
    make.staff(vendor, email="must@vendor.test", role="support")
    _require(app, vendor)
    signed = sign_in(client, "must@vendor.test", side="vendor")
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/vendor/account/two-factor")
    for path in ("/vendor/license-managers", "/vendor/settings", "/vendor/account"):
        held = client.get(path)
        assert held.status_code == 302 and held.headers["Location"].endswith("/vendor/account/two-factor"), path
    assert (
        client.get("/vendor/license-managers", headers={"HX-Request": "true"})
        .headers["HX-Redirect"]
        .endswith("/vendor/account/two-factor")
    )
    secret, _ = enrol(client, side="vendor")
    assert client.get("/vendor/license-managers").status_code == 200
    # Required: it cannot be turned off.
    from tests.factories import PASSWORD

    refused = client.post("/vendor/account/two-factor/disable", data={"password": PASSWORD})
    assert refused.status_code == 409
    # Next time the code is asked for, and no enrolment.
    client.post("/vendor/logout")
    assert sign_in(client, "must@vendor.test", side="vendor").headers["Location"].endswith("/vendor/login/two-factor")
    done = client.post("/vendor/login/two-factor", data={"code": next_code(secret)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/vendor/")


def test_only_an_owner_sets_the_rule_and_it_is_audited(app, make, client, login):
    vendor = make.vendor()
    admin = make.staff(vendor, role="admin")
    owner = make.staff(vendor, role="owner")
    login(admin)
    assert client.post("/vendor/settings/two-factor", data={"required": "y"}).status_code == 403
    login(owner)
    assert client.post("/vendor/settings/two-factor", data={"required": "y"}).status_code == 303
    with app.app_context(), all_tenants(db.session):
        assert db.session.get(VendorBranding, vendor.id).staff_two_factor_required is True
    [event] = actions(app, "vendor.staff_two_factor")
    assert event.before == {"staff_two_factor_required": False} and event.after == {"staff_two_factor_required": True}
