"""A French and a German license manager, in a real browser: sign in → assign a seat → reset a device.

The French browser asks for French (Accept-Language); the German one speaks English until the
manager picks Deutsch in the chooser on the sign-in page. At every step, the page (and the
confirmation the browser asks) holds no English string of the catalogues.
"""

from __future__ import annotations

import os

import pytest

from portal.extensions import db
from portal.tenancy import all_tenants
from tests.browser.conftest import CHROMIUM
from tests.factories import PASSWORD
from tests.i18n_check import data_shown, english_left, ensure_compiled

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {
        "sign_in": "Se connecter",
        "dashboard": "Tableau de bord",
        "email": "Adresse e-mail",
        "assign": "Attribuer",
        "assigned": "Licence attribuée. seat@client.test occupe désormais un poste de cette licence.",
        "reset": "Réinitialiser",
        "question": "Réinitialiser poste-1 ? Il est désactivé et le compteur de la licence baisse d’une unité.",
        "done": "Appareil réinitialisé et licence mise à jour.",
    },
    "de": {
        "sign_in": "Anmelden",
        "dashboard": "Übersicht",
        "email": "E-Mail",
        "assign": "Zuweisen",
        "assigned": "Lizenz zugewiesen. seat@client.test belegt jetzt einen Platz dieser Lizenz.",
        "reset": "Zurücksetzen",
        "question": "poste-1 zurücksetzen? Das Gerät wird deaktiviert und der Zähler der Lizenz sinkt um eins.",
        "done": "Gerät zurückgesetzt und Lizenz aktualisiert.",
    },
}


@pytest.fixture
def browser(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    ensure_compiled()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _world(app, make):
    world = make.world()
    manager = make.manager(
        world["vendor"], email="lm@client.test", permissions="all", account=world["account"], orders=[world["order"]]
    )
    seats = make.license(world["order"], world["user_policy"])
    keyed = make.license(world["order"], world["key_policy"])
    make.device(keyed, hostname="poste-1")
    return manager, seats, keyed


def _no_english(page, locale: str, app, where: str) -> None:
    with app.app_context(), all_tenants(db.session):
        data = data_shown()
    assert page.locator("html").get_attribute("lang") == locale, where
    assert english_left(page.content(), locale, data) == [], where


@pytest.mark.parametrize("locale", ["fr", "de"])
def test_sign_in_assign_a_seat_and_reset_a_device_without_english(app, make, live_server, browser, locale):
    _, seats, keyed = _world(app, make)
    words = WORDS[locale]
    page = browser.new_page(locale="fr-FR" if locale == "fr" else "en-US")
    page.set_default_timeout(5000)
    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))

    page.goto(f"{live_server}/portal/login")
    if locale == "de":
        assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
        page.get_by_role("button", name="Deutsch").click()
        page.wait_for_load_state()
    _no_english(page, locale, app, "sign-in page")
    page.get_by_label(words["email"]).fill("lm@client.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"], exact=True).click()
    page.wait_for_url(f"{live_server}/portal/")
    assert page.get_by_role("heading", level=1).inner_text() == words["dashboard"]
    _no_english(page, locale, app, "dashboard")

    page.goto(f"{live_server}/portal/licenses/{seats.id}")
    _no_english(page, locale, app, "user-based license")
    page.locator("#license-detail").get_by_label(words["email"]).fill("seat@client.test")
    page.get_by_role("button", name=words["assign"], exact=True).click()
    page.get_by_text(words["assigned"]).wait_for()
    _no_english(page, locale, app, "after assigning a seat")

    page.goto(f"{live_server}/portal/licenses/{keyed.id}")
    _no_english(page, locale, app, "key-based license")
    page.get_by_role("button", name=words["reset"], exact=True).click()
    # The portal asks in its own dialog (confirm.js), in the page's language; the browser's never comes up.
    dialog = page.locator("dialog#confirm-dialog")
    dialog.get_by_text(words["question"]).wait_for()
    _no_english(page, locale, app, "the confirmation dialog")
    dialog.get_by_role("button", name=words["reset"], exact=True).click()
    page.get_by_text(words["done"]).wait_for()
    assert questions == []
    _no_english(page, locale, app, "after resetting a device")
