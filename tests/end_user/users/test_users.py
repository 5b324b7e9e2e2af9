"""License users: the list of those a manager reaches, and setting their passwords."""

from __future__ import annotations

import pytest

from portal.models import LicenseManager, LicenseUser
from portal.passwords import verify_password
from tests.end_user.licenses.support import events, field_error, get, scene, snapshot


@pytest.fixture
def w(make, login):
    w = scene(make, seats=3)
    login(w["manager"])
    return w


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


# Issue 8, finding 8: a new password ends the manager's other sessions.


def test_setting_your_own_password_ends_your_other_sessions_and_keeps_this_one(app, client, make, login, w):
    other = login(w["manager"], on=app.test_client())
    assert other.get("/portal/users").status_code == 200
    me = w["manager"].license_user
    response = client.post(f"/portal/users/{me.id}/password", data={"password": "my new choice"})
    assert response.status_code == 303
    assert client.get("/portal/users").status_code == 200  # this session goes on
    ended = other.get("/portal/users")
    assert ended.status_code == 302 and "/portal/login" in ended.headers["Location"]
    assert get(make.app, LicenseManager, w["manager"].id).session_version == w["manager"].session_version + 1


def test_a_generated_own_password_ends_the_other_sessions_too(app, client, make, login, w, hx):
    other = login(w["manager"], on=app.test_client())
    me = w["manager"].license_user
    response = client.post(f"/portal/users/{me.id}/password", data={"generate": "1"}, headers=hx)
    assert response.status_code == 200 and "generated-password" in response.get_data(as_text=True)
    assert client.get(f"/portal/users/{me.id}").status_code == 200
    assert other.get("/portal/users").status_code == 302


def test_setting_a_managers_password_ends_their_sessions(app, make, w):
    from portal.audit import Actor
    from portal.extensions import db
    from portal.services.users import actions
    from portal.tenancy import set_tenant

    managed = make.manager(w["vendor"], account=w["account"])
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        user = db.session.get(LicenseUser, managed.license_user_id)
        acting = db.session.get(LicenseManager, w["manager"].id)
        actions.set_password(user, "chosen by the vendor", manager=acting, actor=Actor.system())
        db.session.commit()
    assert get(app, LicenseManager, managed.id).session_version == managed.session_version + 1
