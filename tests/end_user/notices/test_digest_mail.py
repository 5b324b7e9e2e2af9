"""The digest mail, through a real SMTP server on loopback: the vendor's brand, the manager's organisation
and the vendor's own portal sign-in address (/portal/<slug>/login), in the manager's language."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal import digest
from portal.extensions import db
from portal.models import LicenseManager, VendorBranding, utcnow
from portal.tenancy import all_tenants
from tests.i18n_check import ensure_compiled


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    ensure_compiled()


def _set(app, model, key_column, key, **values) -> None:
    with app.app_context(), all_tenants(db.session):
        db.session.execute(sa.update(model).where(key_column == key).values(**values))
        db.session.commit()


def _vendor_with_a_due_license(make, app, *, brand: str, slug: str, organisation: str, email: str, locale: str):
    vendor = make.vendor()
    _set(app, VendorBranding, VendorBranding.vendor_account_id, vendor.id, brand_name=brand, slug=slug)
    account = make.customer_account(vendor, name=organisation)
    order = make.order(vendor, make.customer(vendor, account))
    manager = make.manager(vendor, email=email, account=account, orders=[order])
    _set(app, LicenseManager, LicenseManager.id, manager.id, locale=locale)
    noon = dt.datetime.combine(utcnow().date(), dt.time(12))
    make.license(
        order, make.policy(make.product(vendor, "key")), license_key="DUE-0007", valid_until=noon + dt.timedelta(days=7)
    )
    return vendor


def _mails(smtp) -> dict[str, tuple[str, str]]:
    return {
        recipients[0]: (message["Subject"], message.get_content().replace("\r\n", "\n"))
        for recipients, message in smtp.messages
    }


def test_the_digest_carries_the_brand_the_organisation_and_the_vendors_own_sign_in(app, make, smtp):
    _vendor_with_a_due_license(
        make, app, brand="Acme Cloud", slug="acme-cloud", organisation="Globex", email="lm@globex.test", locale="de"
    )
    _vendor_with_a_due_license(
        make, app, brand="Initech Tools", slug="initech", organisation="Hooli", email="lm@hooli.test", locale="fr"
    )
    base = app.config["PORTAL_BASE_URL"].rstrip("/")
    with app.app_context():
        assert digest.send_digests() == 2
    mails = _mails(smtp)

    subject, body = mails["lm@globex.test"]
    assert subject == "Acme Cloud: Ihre Lizenzen brauchen Aufmerksamkeit"
    assert "für Globex" in body and "Acme Cloud" in body
    assert f"{base}/portal/acme-cloud/login" in body
    assert f"{base}/portal/acme-cloud/login?next=/portal/notices" in body  # the switches, after signing in there
    assert "DUE-0007" in body and "1 Lizenz läuft in 7 Tagen ab" in body
    assert "Initech" not in body and "Hooli" not in body and "/portal/initech/" not in body
    assert "Hello" not in body and "license" not in body.lower().replace("lizenz", "")

    subject, body = mails["lm@hooli.test"]
    assert subject.startswith("Initech Tools")
    assert "Hooli" in body and f"{base}/portal/initech/login" in body
    assert "Acme" not in body and "Globex" not in body and "/portal/acme-cloud/" not in body
    assert "Bonjour" in body and "Hello" not in body


def test_a_vendor_without_a_brand_signs_with_its_name_and_its_address(app, make, smtp):
    vendor = make.vendor(name="Plain Vendor")
    order = make.order(vendor)
    make.manager(vendor, email="solo@plain.test", orders=[order])
    noon = dt.datetime.combine(utcnow().date(), dt.time(12))
    make.license(order, make.policy(make.product(vendor, "key")), valid_until=noon + dt.timedelta(days=1))
    with app.app_context(), all_tenants(db.session):
        slug = db.session.scalar(sa.select(VendorBranding.slug).where(VendorBranding.vendor_account_id == vendor.id))
        assert digest.send_digests() == 1
    subject, body = _mails(smtp)["solo@plain.test"]
    assert subject == "Plain Vendor: your licenses need attention"
    assert f"/portal/{slug}/login" in body and "Plain Vendor" in body
    assert " · for " not in body  # no organisation: none named
