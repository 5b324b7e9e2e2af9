"""The API keys page: owner creates (the secret shown once), lists with last use, revokes; audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApiKey, AuditEvent
from portal.tenancy import set_tenant


def _keys(app, vendor):
    with app.app_context():
        set_tenant(db.session, vendor.id)
        return list(db.session.scalars(sa.select(ApiKey)))


def test_owner_creates_a_key_whose_secret_is_shown_once_and_works(app, client, make, login):
    w = make.world()
    login(make.staff(w["vendor"], role="owner"))
    page = client.post("/vendor/api-keys", data={"name": "Shop", "access": "read_write"})
    assert page.status_code == 201
    secret = re.search(r'id="api-key-secret">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/vendor/api-keys").get_data(as_text=True)
    assert "Shop" in listing and secret not in listing
    (key,) = _keys(app, w["vendor"])
    assert key.hash != secret and key.last_used_at is not None and key.created_by
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_type == "api_key")) == (
            "api_key.created"
        )


def test_invalid_form_is_422_and_writes_nothing(app, client, make, login):
    w = make.world()
    login(make.staff(w["vendor"], role="owner"))
    assert client.post("/vendor/api-keys", data={"name": "", "access": "everything"}).status_code == 422
    assert _keys(app, w["vendor"]) == []


def test_revoke_stops_the_key(app, client, make, login):
    w = make.world()
    login(make.staff(w["vendor"], role="owner"))
    page = client.post("/vendor/api-keys", data={"name": "Shop", "access": "read"}).get_data(as_text=True)
    secret = re.search(r'id="api-key-secret">([^<]+)<', page).group(1)
    (key,) = _keys(app, w["vendor"])
    assert client.post(f"/vendor/api-keys/{key.id}/revoke").status_code == 303
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.post(f"/vendor/api-keys/{key.id}/revoke").status_code == 409


def test_only_an_owner_changes_keys(app, client, make, login):
    w = make.world()
    login(make.staff(w["vendor"], role="admin"))
    assert client.get("/vendor/api-keys").status_code == 200
    assert client.post("/vendor/api-keys", data={"name": "Shop", "access": "read"}).status_code == 403
    assert _keys(app, w["vendor"]) == []


def test_another_vendors_key_is_404(app, client, make, login):
    mine, theirs = make.world(), make.world()
    login(make.staff(theirs["vendor"], role="owner"))
    client.post("/vendor/api-keys", data={"name": "Theirs", "access": "read"})
    (key,) = _keys(app, theirs["vendor"])
    login(make.staff(mine["vendor"], role="owner"))
    assert client.post(f"/vendor/api-keys/{key.id}/revoke").status_code == 404
