"""Mail to a license manager in their language, through a real SMTP server on loopback.

The manager's own choice (``license_manager.locale``) first; a reset asked for from a page in
another language comes in that page's language; with neither, English.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import LicenseManager
from portal.tenancy import all_tenants
from tests.auth.test_password_flows import _forgot, _invite, _link, _manager
from tests.i18n_check import ensure_compiled


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    ensure_compiled()


def _speaks(app, manager, locale: str) -> None:
    with app.app_context(), all_tenants(db.session):
        db.session.execute(sa.update(LicenseManager).where(LicenseManager.id == manager.id).values(locale=locale))
        db.session.commit()


def test_the_invitation_comes_in_the_managers_language(app, client, make, smtp):
    vendor = make.vendor()
    invited = make.manager(vendor, email="nouveau@client.test", status="invited", password=None)
    _speaks(app, invited, "fr")
    _invite(app, invited, vendor_name="Acme Software")
    [(recipients, message)] = smtp.messages
    assert recipients == ["nouveau@client.test"]
    assert message["Subject"] == "Acme Software vous invite à gérer vos licences"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Bonjour Test,\n\nAcme Software a fait de vous un gestionnaire de licences")
    assert "le lien ne fonctionne qu’une fois et expire dans 72 heures" in body
    assert "Si vous n’attendiez pas ce message, vous pouvez l’ignorer." in body
    assert "Hello" not in body and "link" not in body
    page = client.get(_link(body), headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and "Bienvenue ! Choisissez un mot de passe" in page.get_data(as_text=True)


def test_a_reset_asked_for_in_french_comes_in_french(app, client, make, smtp):
    vendor = make.vendor()
    _manager(app, make, vendor, email="lm@client.test")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    response = _forgot(client, "lm@client.test")
    assert "un lien pour définir un nouveau mot de passe est en route" in response.get_data(as_text=True)
    [(recipients, message)] = smtp.messages
    # The subject carries the vendor's brand (its name when it has set none).
    assert message["Subject"].startswith("Réinitialisez votre mot de passe du portail ")
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Quelqu’un a demandé la réinitialisation du mot de passe de lm@client.test dans le Portail")
    assert "Si ce n’était pas vous, ignorez ce message ; votre mot de passe reste inchangé." in body
    assert "/portal/password/reset/" in _link(body)


def test_the_managers_own_language_wins_over_the_pages(app, client, make, smtp):
    vendor = make.vendor()
    manager = _manager(app, make, vendor, email="lm@kunde.test")
    _speaks(app, manager, "de")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _forgot(client, "lm@kunde.test")
    [(_, message)] = smtp.messages
    subject = message["Subject"]
    assert subject.startswith("Setzen Sie Ihr Passwort für das ") and subject.endswith("-Portal zurück")
    assert "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail" in message.get_content()


def test_without_a_choice_the_mail_is_english(app, client, make, smtp):
    vendor = make.vendor()
    invited = make.manager(vendor, email="new@customer.test", status="invited", password=None)
    _invite(app, invited)
    [(_, message)] = smtp.messages
    assert message["Subject"] == "Acme Software invites you to manage your licenses"
    assert (
        message.get_content()
        .replace("\r\n", "\n")
        .startswith("Hello Test,\n\nAcme Software made you a license manager")
    )
