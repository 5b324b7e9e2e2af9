"""Seats of user-based licenses: assign and unassign (with the race for the last seat), whom an email reaches."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from portal.models import License, LicenseAssignment, LicenseUser
from portal.services.licenses import seats
from tests.end_user.licenses.support import events, field_error, get, race, rows, scene, snapshot


@pytest.fixture
def w(make, login):
    w = scene(make, seats=3)
    login(w["manager"])
    return w


def assignments(app, license_id) -> list[str]:
    return sorted(
        rows(
            app,
            sa.select(LicenseUser.email)
            .join(LicenseAssignment, LicenseAssignment.license_user_id == LicenseUser.id)
            .where(LicenseAssignment.license_id == license_id),
        )
    )


def test_assign_a_known_user(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    make.license_user(w["vendor"], email="ada@customer.test", first_name="Ada", account=w["account"])
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "ADA@customer.test"})
    assert response.status_code == 303
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "License assigned. ada@customer.test now holds a seat on this license." in flashed
    assert assignments(make.app, lic.id) == ["ada@customer.test"]
    assert get(make.app, License, lic.id).assigned_users == 1
    (event,) = events(make.app, "license.user_assigned")
    assert event.after == {"assigned_users": 1, "user": "ada@customer.test"}
    assert "ada@customer.test" in event.object_label


def test_an_unknown_email_creates_the_user_in_the_managers_organisation(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    client.post(
        f"/portal/licenses/{lic.id}/users",
        data={"email": "new@customer.test", "first_name": "New", "last_name": "Person"},
    )
    (user,) = rows(make.app, sa.select(LicenseUser).where(LicenseUser.email == "new@customer.test"))
    assert (user.first_name, user.last_name) == ("New", "Person")
    assert user.customer_account_id == w["account"].id and user.vendor_account_id == w["vendor"].id
    assert assignments(make.app, lic.id) == ["new@customer.test"]


def test_assigning_twice_is_422_at_the_email(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    make.assignment(lic, make.license_user(w["vendor"], email="ada@customer.test"))
    before = snapshot(make.app)
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "ada@customer.test"})
    assert response.status_code == 422
    assert (
        field_error(response.get_data(as_text=True), "email")
        == "ada@customer.test is already assigned to this license."
    )
    assert snapshot(make.app) == before


def test_invalid_email_is_422(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    before = snapshot(make.app)
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "not an email"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "email") == "Enter a valid email address."
    assert snapshot(make.app) == before


def test_no_free_seat_is_409_and_writes_nothing(client, make, w, hx):
    lic = make.license(w["order"], w["seat_policy"])
    for _ in range(3):
        make.assignment(lic, make.license_user(w["vendor"]))
    before = snapshot(make.app)
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "late@customer.test"})
    assert response.status_code == 409
    assert "No free seat: all 3 seats of this license are assigned." in response.get_data(as_text=True)
    assert snapshot(make.app) == before  # not even the new user
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "late@customer.test"}, headers=hx)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#flash"


def test_a_key_based_license_has_no_seats_to_assign(client, make, w):
    lic = make.license(w["order"], w["key_policy"])
    before = snapshot(make.app)
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "ada@customer.test"})
    assert response.status_code == 409
    assert "not user-based" in response.get_data(as_text=True)
    assert snapshot(make.app) == before


def test_two_requests_for_the_last_seat_one_wins(app, make, login, w, monkeypatch):
    lic = make.license(w["order"], w["seat_policy"])
    for _ in range(2):
        make.assignment(lic, make.license_user(w["vendor"]))
    original = seats.find_or_create_user

    def slow(*args, **kwargs):
        # Both requests have read the license (one seat free) before either takes it.
        found = original(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(seats, "find_or_create_user", slow)
    answers = race(
        app,
        login,
        w["manager"],
        lambda c, i: c.post(f"/portal/licenses/{lic.id}/users", data={"email": f"racer{i}@customer.test"}),
    )
    assert sorted(status for status, _ in answers) == [303, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert "No free seat: all 3 seats of this license are assigned." in loser
    assert "database is locked" not in loser
    assert get(app, License, lic.id).assigned_users == 3
    racers = [e for e in assignments(app, lic.id) if e.startswith("racer")]
    assert len(racers) == 1
    # The loser's new user was rolled back with everything else.
    assert len(rows(app, sa.select(LicenseUser.id).where(LicenseUser.email.like("racer%")))) == 1


def test_unassign_frees_the_seat(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    user = make.license_user(w["vendor"], email="ada@customer.test")
    make.assignment(lic, user)
    page = client.get(f"/portal/licenses/{lic.id}/users/{user.id}/unassign")
    assert page.status_code == 200 and "Unassign ada@customer.test" in page.get_data(as_text=True)
    response = client.post(f"/portal/licenses/{lic.id}/users/{user.id}/unassign")
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "License unassigned. ada@customer.test no longer holds a seat on this license." in flashed
    assert assignments(make.app, lic.id) == []
    assert get(make.app, License, lic.id).assigned_users == 0
    (event,) = events(make.app, "license.user_unassigned")
    assert event.before == {"assigned_users": 1, "user": "ada@customer.test"}
    # A user who holds no seat on this license: nothing to unassign.
    assert client.post(f"/portal/licenses/{lic.id}/users/{user.id}/unassign").status_code == 404


# Whom an email reaches (issue 8, finding 2): a license user belongs to one customer.

UNREACHABLE = "This email cannot be used here. Check the address, or ask your vendor to add this person."


def outsiders(make, w) -> dict:
    """Two license users of the vendor this manager must not reach: another customer's, and one of none."""
    return {
        "other customer": make.license_user(
            w["vendor"], email="eve@rival.test", first_name="Evelyn", account=make.customer_account(w["vendor"])
        ),
        "no customer": make.license_user(w["vendor"], email="nobody@loose.test", first_name="Norbert"),
    }


@pytest.mark.parametrize("who", ["other customer", "no customer"])
def test_an_email_of_a_user_out_of_reach_is_refused_and_reveals_nothing(client, make, w, who):
    lic = make.license(w["order"], w["seat_policy"])
    target = outsiders(make, w)[who]
    before = snapshot(make.app)
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": target.email.upper()})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "email") == UNREACHABLE  # the same words whoever holds the email
    assert target.first_name not in html and target.last_name not in html
    assert snapshot(make.app) == before
    # Still out of reach afterwards: no page, no password.
    assert client.get(f"/portal/users/{target.id}").status_code == 404
    assert client.post(f"/portal/users/{target.id}/password", data={"password": "taken over now"}).status_code == 404
    assert get(make.app, LicenseUser, target.id).password_hash == target.password_hash


def test_a_user_of_no_customer_already_in_reach_is_assigned(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    loose = make.license_user(w["vendor"], email="loose@customer.test")
    make.user_group(w["vendor"], members=[loose], managers=[w["manager"]])  # the manager reaches them already
    response = client.post(f"/portal/licenses/{lic.id}/users", data={"email": "loose@customer.test"})
    assert response.status_code == 303
    assert assignments(make.app, lic.id) == ["loose@customer.test"]
    assert get(make.app, LicenseUser, loose.id).customer_account_id is None  # never changed here


def test_the_licenses_customer_decides_whom_a_new_email_belongs_to(client, make, login, w):
    # A manager with no organisation of their own, on an order of the scene's customer account.
    manager = make.manager(w["vendor"], permissions="all", orders=[w["order"]])
    login(manager)
    lic = make.license(w["order"], w["seat_policy"])
    client.post(f"/portal/licenses/{lic.id}/users", data={"email": "fresh@customer.test"})
    (user,) = rows(make.app, sa.select(LicenseUser).where(LicenseUser.email == "fresh@customer.test"))
    assert user.customer_account_id == w["account"].id
    # And that customer's existing users are the ones reached, not another's.
    colleague = make.license_user(w["vendor"], email="colleague@customer.test", account=w["account"])
    assert client.post(f"/portal/licenses/{lic.id}/users", data={"email": colleague.email}).status_code == 303
    assert assignments(make.app, lic.id) == ["colleague@customer.test", "fresh@customer.test"]
