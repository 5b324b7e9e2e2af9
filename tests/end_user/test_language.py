"""The End User Portal's language: Accept-Language first, then the manager's choice, remembered at the
next sign-in; dates, numbers and relative times in the locale's form; the services' English refusals
(422 at the field, 409, 403 naming the permission) put into the manager's language at the edge.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, LicenseManager, utcnow
from portal.tenancy import all_tenants
from tests.factories import PASSWORD
from tests.i18n_check import ensure_compiled


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    ensure_compiled()


def _h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def _lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


def _choose(client, locale: str, next_: str = "/portal/login"):
    return client.post("/portal/language", data={"locale": locale, "next": next_, "csrf_token": client.csrf_token()})


def _sign_in(client, email: str):
    form = {"email": email, "password": PASSWORD, "csrf_token": client.csrf_token()}
    return client.post("/portal/login", data=form)


def _locale_of(app, manager) -> str | None:
    with app.app_context(), all_tenants(db.session):
        return db.session.get(LicenseManager, manager.id).locale


def test_accept_language_first_then_the_choice_and_the_vendor_side_stays_english(app, client, make):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9,en;q=0.5"
    page = client.get("/portal/login").get_data(as_text=True)
    assert _lang(page) == "de" and _h1(page) == "Anmelden"
    assert 'lang="es"' in page and ">Español</button>" in page  # the chooser, each language in its own words

    response = _choose(client, "es")
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/login")
    page = client.get("/portal/login").get_data(as_text=True)
    assert _lang(page) == "es" and _h1(page) == "Iniciar sesión"

    vendor = client.get("/vendor/login").get_data(as_text=True)
    assert _lang(vendor) == "en" and _h1(vendor) == "Sign in"


def test_a_managers_choice_is_kept_audited_and_back_at_the_next_sign_in(app, client, make):
    vendor = make.vendor()
    manager = make.manager(vendor, email="lm@customer.test", permissions="all")
    assert _sign_in(client, "lm@customer.test").status_code in (302, 303)
    assert _lang(client.get("/portal/").get_data(as_text=True)) == "en"

    response = _choose(client, "fr", next_="/portal/licenses")
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/licenses")
    page = client.get("/portal/licenses").get_data(as_text=True)
    assert _lang(page) == "fr" and _h1(page) == "Licences"
    assert _locale_of(app, manager) == "fr"
    with app.app_context(), all_tenants(db.session):
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "manager.locale_changed"))
        assert (event.actor_label, event.before, event.after) == (
            "lm@customer.test",
            {"locale": None},
            {"locale": "fr"},
        )

    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    assert _lang(other.get("/portal/login").get_data(as_text=True)) == "en"
    _sign_in(other, "lm@customer.test")
    page = other.get("/portal/").get_data(as_text=True)
    assert _lang(page) == "fr" and _h1(page) == "Tableau de bord"
    # Signed out, the browser keeps speaking the language it was using.
    other.post("/portal/logout", data={"csrf_token": other.csrf_token()})
    assert _h1(other.get("/portal/login").get_data(as_text=True)) == "Se connecter"


def test_a_choice_made_on_the_sign_in_page_is_kept_through_it_and_on_the_manager(app, client, make):
    vendor = make.vendor()
    manager = make.manager(vendor, email="lm@customer.test")
    _choose(client, "de")
    _sign_in(client, "lm@customer.test")
    assert _h1(client.get("/portal/").get_data(as_text=True)) == "Übersicht"
    assert _locale_of(app, manager) == "de"


def test_an_unknown_language_is_refused_and_nothing_changes(app, client, make, login):
    vendor = make.vendor()
    manager = make.manager(vendor)
    login(manager)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    response = client.post("/portal/language", data={"locale": "xx", "csrf_token": client.csrf_token()})
    assert response.status_code == 422
    assert "Choisissez l’une des langues du portail." in response.get_data(as_text=True)
    assert _locale_of(app, manager) is None


def test_dates_numbers_and_relative_times_in_the_locales_form(app, client, make, login):
    world = make.world()
    policy = make.policy(world["key_product"], max_activations=1500)
    manager = make.manager(world["vendor"], permissions="all", account=world["account"], orders=[world["order"]])
    # The 14:03 nearest to five days from now, so "in 5 days" whatever the hour the test runs at (from 4.5 to
    # 5.5 days; the next day's 14:03 read "in 6 days" after 23:00 UTC).
    soon = utcnow() + dt.timedelta(days=5)
    valid_until = soon.replace(hour=14, minute=3, second=0, microsecond=0)
    valid_until += dt.timedelta(days=round((soon - valid_until) / dt.timedelta(days=1)))
    lic = make.license(world["order"], policy, valid_until=valid_until)
    login(manager)
    day = valid_until.day
    expected = {
        "en": (f"{valid_until:%d %b %Y} 14:03", "0 of 1,500", "in 5 days"),
        "de": (f"{valid_until:%d.%m.%Y} 14:03", "0 von 1.500", "in 5 Tagen"),
        "fr": (f"{day} ", "0 sur 1\u202f500", "dans 5 jours"),
    }
    for locale, (when, count, ahead) in expected.items():
        with client.session_transaction() as session:
            session["locale"] = locale
        page = client.get(f"/portal/licenses/{lic.id}").get_data(as_text=True)
        assert when in page and "14:03" in page, locale
        assert count in page, locale
        dashboard = client.get("/portal/").get_data(as_text=True)
        assert ahead in dashboard, locale


def test_service_refusals_are_translated_at_the_field_and_in_the_conflict(app, client, make, login, hx):
    world = make.world()
    policy = make.policy(world["user_product"], max_license_users=1)
    manager = make.manager(
        world["vendor"], permissions=["manage_license_users"], account=world["account"], orders=[world["order"]]
    )
    lic = make.license(world["order"], policy)
    holder = make.license_user(world["vendor"], email="holder@customer.test", account=world["account"])
    make.assignment(lic, holder)
    login(manager)
    with client.session_transaction() as session:
        session["locale"] = "de"
    url = f"/portal/licenses/{lic.id}/users"

    taken = client.post(url, data={"email": "holder@customer.test", "csrf_token": client.csrf_token()}, headers=hx)
    assert taken.status_code == 422
    html = taken.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "holder@customer.test ist dieser Lizenz bereits zugewiesen." in html

    full = client.post(url, data={"email": "new@customer.test", "csrf_token": client.csrf_token()}, headers=hx)
    assert full.status_code == 409
    assert "Kein freier Platz: Alle 1 Plätze dieser Lizenz sind zugewiesen." in full.get_data(as_text=True)


def test_the_permission_refusal_names_the_permission_in_the_managers_language(app, client, make, login):
    world = make.world()
    manager = make.manager(world["vendor"], permissions=[], account=world["account"], orders=[world["order"]])
    lic = make.license(world["order"], world["key_policy"])
    device = make.device(lic)
    login(manager)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-CH, fr;q=0.9"
    response = client.post(f"/portal/devices/{device.id}/reset", data={"csrf_token": client.csrf_token()})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Il vous faut l’autorisation « Réinitialiser un appareil » (reset_device) pour faire cela." in html
    assert "<h1>Non autorisé</h1>" in html and 'href="/portal/"' in html


def test_a_language_left_in_the_browser_by_someone_else_is_not_the_next_managers_choice(app, client, make):
    vendor = make.vendor()
    first = make.manager(vendor, email="first@customer.test")
    second = make.manager(vendor, email="second@customer.test")
    third = make.manager(vendor, email="third@customer.test")
    with app.app_context(), all_tenants(db.session):
        db.session.get(LicenseManager, second.id).locale = "de"
        db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _sign_in(client, "first@customer.test")
    _choose(client, "fr", next_="/portal/")
    client.post("/portal/logout", data={"csrf_token": client.csrf_token()})
    assert _h1(client.get("/portal/login").get_data(as_text=True)) == "Se connecter"  # the browser keeps French

    _sign_in(client, "second@customer.test")
    assert _h1(client.get("/portal/").get_data(as_text=True)) == "Übersicht"  # their own German
    client.post("/portal/logout", data={"csrf_token": client.csrf_token()})
    _sign_in(client, "third@customer.test")
    assert _h1(client.get("/portal/").get_data(as_text=True)) == "Dashboard"  # no choice: Accept-Language
    assert (_locale_of(app, first), _locale_of(app, second), _locale_of(app, third)) == ("fr", "de", None)
