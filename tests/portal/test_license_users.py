"""License users: assign and unassign seats (with the race for the last seat), list, passwords."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from portal.models import License, LicenseAssignment, LicenseUser
from portal.passwords import verify_password
from portal.services import seats
from tests.portal.licenses_support import events, field_error, get, race, rows, scene, snapshot


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
    make.license_user(w["vendor"], email="ada@customer.test", first_name="Ada")
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


def test_users_list_is_scoped_searchable_and_paged(client, make, w, hx):
    lic = make.license(w["order"], w["seat_policy"])
    on_license = make.license_user(w["vendor"], email="seat@customer.test")
    make.assignment(lic, on_license)
    colleague = make.license_user(w["vendor"], email="colleague@customer.test", account=w["account"])
    grouped = make.license_user(w["vendor"], email="grouped@elsewhere.test")
    make.user_group(w["vendor"], members=[grouped], managers=[w["manager"]])
    stranger = make.license_user(
        w["vendor"], email="stranger@elsewhere.test", account=make.customer_account(w["vendor"])
    )
    html = client.get("/portal/users").get_data(as_text=True)
    for user in (on_license, colleague, grouped):
        assert user.email in html
    assert stranger.email not in html
    fragment = client.get("/portal/users?q=COLL", headers=hx).get_data(as_text=True)
    assert "colleague@customer.test" in fragment and "seat@customer.test" not in fragment
    assert "<html" not in fragment
    for i in range(30):
        make.license_user(w["vendor"], email=f"bulk{i:02d}@customer.test", account=w["account"])
    assert "26–" in client.get("/portal/users?page=2").get_data(as_text=True)


def test_users_list_query_count_does_not_grow(client, make, w, count_queries):
    lic = make.license(w["order"], make.policy(w["user_product"], max_license_users=100))
    counts = []
    for n in (5, 60):
        for _ in range(n):
            make.assignment(lic, make.license_user(w["vendor"], account=w["account"]))
        with count_queries() as q:
            client.get("/portal/users")
        counts.append(q.count)
    assert counts[0] == counts[1]


def test_set_a_password_the_user_must_change(client, make, w):
    user = make.license_user(w["vendor"], email="ada@customer.test", account=w["account"])
    response = client.post(f"/portal/users/{user.id}/password", data={"password": "a fine password"})
    assert response.status_code == 303
    assert "Password set." in client.get(response.headers["Location"]).get_data(as_text=True)
    stored = get(make.app, LicenseUser, user.id)
    assert verify_password(stored.password_hash, "a fine password") and stored.is_initial_password
    (event,) = events(make.app, "license_user.password_set")
    assert event.object_label == "ada@customer.test" and "a fine password" not in str(event.after)


def test_generate_a_password_shown_once(client, make, w):
    user = make.license_user(w["vendor"], account=w["account"])
    response = client.post(f"/portal/users/{user.id}/password", data={"generate": "1"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    generated = html.split('<p class="generated-password"><code>')[1].split("</code>")[0]
    assert len(generated) == 19
    stored = get(make.app, LicenseUser, user.id)
    assert verify_password(stored.password_hash, generated) and stored.is_initial_password
    assert generated not in client.get(f"/portal/users/{user.id}").get_data(as_text=True)


def test_short_or_missing_password_is_422(client, make, w):
    user = make.license_user(w["vendor"], account=w["account"])
    before = snapshot(make.app)
    for data, message in [
        ({"password": "short"}, "Use at least 10 characters."),
        ({}, "Enter a password of at least 10 characters, or generate one."),
    ]:
        response = client.post(f"/portal/users/{user.id}/password", data=data)
        assert response.status_code == 422
        assert field_error(response.get_data(as_text=True), "password") == message
    assert snapshot(make.app) == before


def test_another_managers_password_is_refused(client, make, w):
    other = make.manager(w["vendor"], account=w["account"], orders=[w["order"]])
    before = snapshot(make.app)
    response = client.post(f"/portal/users/{other.license_user_id}/password", data={"password": "let me in as you"})
    assert response.status_code == 403
    assert "is a license manager" in response.get_data(as_text=True)
    assert snapshot(make.app) == before


def test_another_organisations_user_is_refused(client, make, w):
    lic = make.license(w["order"], w["seat_policy"])
    outsider = make.license_user(w["vendor"], account=make.customer_account(w["vendor"]))
    make.assignment(lic, outsider)  # visible to this manager through the license
    before = snapshot(make.app)
    response = client.post(f"/portal/users/{outsider.id}/password", data={"password": "a fine password"})
    assert response.status_code == 403
    assert "belongs to another organisation" in response.get_data(as_text=True)
    assert snapshot(make.app) == before


def test_a_manager_may_set_their_own_password(client, make, w):
    me = w["manager"].license_user
    response = client.post(f"/portal/users/{me.id}/password", data={"password": "my own choice"})
    assert response.status_code == 303
    stored = get(make.app, LicenseUser, me.id)
    assert verify_password(stored.password_hash, "my own choice") and not stored.is_initial_password
