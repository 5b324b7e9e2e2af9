"""/vendor/settings: the account's public id and the public key that verifies License API answers."""

from __future__ import annotations

import pytest

from portal import signing
from portal.extensions import db
from portal.models import VendorAccount
from portal.tenancy import all_tenants


@pytest.mark.parametrize("role", ["owner", "admin", "support"])
def test_every_staff_role_reads_the_public_id_and_key(app, make, client, login, role):
    vendor = make.vendor()
    login(make.staff(vendor, role=role))
    response = client.get("/vendor/settings")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.app_context(), all_tenants(db.session):
        account = db.session.get(VendorAccount, vendor.id)
        assert account.signing_private_key and account.signing_public_key
        assert account.public_id in html and account.signing_public_key in html
        assert signing.public_key_pem(account).splitlines()[1] in html
        assert account.signing_private_key not in html
    # The key is made once: a second visit shows the same one.
    assert account.signing_public_key in client.get("/vendor/settings").get_data(as_text=True)
    assert 'href="/vendor/settings"' in html


def test_a_signature_made_with_the_account_key_verifies_with_the_page_key(app, make):
    vendor = make.vendor()
    with app.app_context(), all_tenants(db.session):
        account = db.session.get(VendorAccount, vendor.id)
        signed = signing.sign(account, {"a": 1, "b": "é"})
        assert signing.verify(account.signing_public_key, signed["payload"], signed["signature"])
        assert signing.verify(signing.public_key_pem(account), signed["payload"], signed["signature"])
        assert not signing.verify(account.signing_public_key, {"a": 2, "b": "é"}, signed["signature"])
        assert not signing.verify(account.signing_public_key, signed["payload"], "not base64!")
        assert not signing.verify("junk", signed["payload"], signed["signature"])


def test_managers_and_strangers_do_not_see_it(make, client, login):
    vendor = make.vendor()
    assert client.get("/vendor/settings").status_code == 302
    login(make.manager(vendor))
    assert client.get("/vendor/settings").status_code == 403
