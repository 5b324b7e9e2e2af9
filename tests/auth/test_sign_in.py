"""Sign-in and sign-out on both sides, and the answers for anonymous and cross-side requests."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, LicenseManager
from portal.tenancy import all_tenants
from tests.factories import PASSWORD


@pytest.fixture
def people(make):
    vendor = make.vendor()
    staff = make.staff(vendor, email="boss@vendor.test")
    manager = make.manager(vendor, email="lm@customer.test", permissions="all")
    return dict(vendor=vendor, staff=staff, manager=manager)


def sign_in(client, side, email, password=PASSWORD, **kwargs):
    return client.post(f"/{side}/login", data={"email": email, "password": password}, **kwargs)


@pytest.mark.parametrize(
    "side, email, home",
    [
        ("vendor", "boss@vendor.test", "/vendor/"),
        ("portal", "lm@customer.test", "/portal/"),
    ],
)
def test_sign_in_and_out(client, people, side, email, home):
    response = sign_in(client, side, email)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(home)
    assert client.get(home).status_code in (200, 302)
    response = client.post(f"/{side}/logout")
    assert response.status_code == 303
    assert f"/{side}/login" in client.get(home).headers["Location"]


def test_unknown_email_and_wrong_password_answer_the_same(client, people):
    wrong = sign_in(client, "portal", "lm@customer.test", "not the password")
    unknown = sign_in(client, "portal", "nobody@customer.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)

    def page(response, email):
        html = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'(csrf[-_]token"?[^>]*?(?:content|value)=")[^"]+', r"\1", html)

    assert page(wrong, "lm@customer.test") == page(unknown, "nobody@customer.test")


def test_invalid_form_is_422_at_the_field(client, people):
    response = client.post("/vendor/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_staff_cannot_sign_in_on_the_portal_side(client, people):
    assert sign_in(client, "portal", "boss@vendor.test").status_code == 401
    assert sign_in(client, "vendor", "lm@customer.test").status_code == 401


def test_sign_out_ends_the_session_on_the_server(app, people):
    client = app.test_client()
    assert sign_in(client, "portal", "lm@customer.test").status_code == 303
    with client.session_transaction() as session:
        stolen = dict(session)
    client.post("/portal/logout")
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(stolen)
    response = replay.get("/portal/")
    assert response.status_code == 302
    assert "/portal/login" in response.headers["Location"]


def test_sign_in_starts_a_new_session(client, people):
    client.get("/portal/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, "portal", "lm@customer.test")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("sid")


def test_disabled_manager_cannot_sign_in_and_is_signed_out(app, client, make, people):
    assert sign_in(client, "portal", "lm@customer.test").status_code == 303
    with app.app_context(), all_tenants(db.session):
        manager = db.session.get(LicenseManager, people["manager"].id)
        manager.status = "disabled"
        manager.session_version += 1
        db.session.commit()
    assert client.get("/portal/").status_code == 302
    response = sign_in(app.test_client(), "portal", "lm@customer.test")
    assert response.status_code == 403
    assert "disabled" in response.get_data(as_text=True)


def test_invited_manager_becomes_active_at_first_sign_in(app, client, make):
    vendor = make.vendor()
    manager = make.manager(vendor, email="new@customer.test", status="invited")
    assert sign_in(client, "portal", "new@customer.test").status_code == 303
    with app.app_context(), all_tenants(db.session):
        refreshed = db.session.get(LicenseManager, manager.id)
        assert refreshed.status == "active"
        assert refreshed.last_login_at is not None
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "manager.signed_in")
            )
            == 1
        )


@pytest.mark.parametrize(
    "path, login",
    [
        ("/vendor/license-managers", "/vendor/login"),
        ("/vendor/audit", "/vendor/login"),
        ("/portal/", "/portal/login"),
        ("/portal/licenses", "/portal/login"),
    ],
)
def test_anonymous_page_redirects_to_its_sides_login(client, path, login):
    response = client.get(path)
    assert response.status_code == 302
    assert login in response.headers["Location"]


def test_anonymous_htmx_request_gets_hx_redirect(client, hx):
    response = client.get("/portal/licenses", headers=hx)
    assert response.headers["HX-Redirect"].startswith("/portal/login")
    response = client.get("/vendor/license-managers", headers=hx)
    assert response.headers["HX-Redirect"].startswith("/vendor/login")


def test_other_side_gets_403(client, login, people, hx):
    login(people["staff"])
    assert client.get("/portal/").status_code == 403
    assert client.get("/portal/", headers=hx).status_code == 403
    other = client.application.test_client()
    login(people["manager"], on=other)
    assert other.get("/vendor/license-managers").status_code == 403


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/portal/licenses?page=2", "/portal/licenses?page=2"),
        ("https://evil.example/", "/portal/"),
        ("//evil.example/", "/portal/"),
        ("/\\evil.example", "/portal/"),
    ],
)
def test_next_only_goes_to_the_portals_own_paths(client, people, target, expected):
    response = client.post(
        "/portal/login", query_string={"next": target}, data={"email": "lm@customer.test", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"].split("portal.test", 1)[-1] == expected


def test_htmx_sign_in_redirects_the_whole_page(client, people, hx):
    response = sign_in(client, "vendor", "boss@vendor.test", headers=hx)
    assert response.headers["HX-Redirect"] == "/vendor/"


def test_post_without_csrf_token_is_400_and_changes_nothing(app, people):
    client = app.test_client()
    client.send_csrf = False
    response = client.post("/portal/login", data={"email": "lm@customer.test", "password": PASSWORD})
    assert response.status_code == 400
    with app.app_context(), all_tenants(db.session):
        assert db.session.get(LicenseManager, people["manager"].id).last_login_at is None


def test_session_cookie_flags(client, people):
    response = sign_in(client, "portal", "lm@customer.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("side", ["vendor", "portal"])
def test_sign_in_fields_tell_password_managers_what_they_hold(client, side):
    html = client.get(f"/{side}/login").get_data(as_text=True)
    email = re.search(r"<input[^>]*id=\"email\"[^>]*>", html).group(0)
    password = re.search(r"<input[^>]*id=\"password\"[^>]*>", html).group(0)
    assert 'autocomplete="username"' in email
    assert 'autocomplete="current-password"' in password
    invalid = client.post(f"/{side}/login", data={"email": "", "password": ""}).get_data(as_text=True)
    email = re.search(r"<input[^>]*id=\"email\"[^>]*>", invalid).group(0)
    assert 'autocomplete="username"' in email and 'aria-invalid="true"' in email
