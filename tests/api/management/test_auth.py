"""Who may call: a valid key or token; a read key never writes; revoked and disabled are 401."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit import Actor
from portal.extensions import db
from portal.models import ApiKey, LicenseManager, ManagerToken
from portal.services.api_keys import actions
from portal.tenancy import all_tenants, set_tenant
from tests.api.management.support import Api, make_key


def test_missing_wrong_and_malformed_secrets_are_401(app, client, world):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nope"}):
        response = Api(client, None).get("/orders", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
    real = world["rw"].headers["Authorization"]
    wrong = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert Api(client, None).get("/orders", headers={"Authorization": wrong}).status_code == 401


def test_revoked_key_is_401(app, client, make, world):
    secret = make_key(app, world["vendor"], "read_write")
    assert Api(client, secret).get("/orders").status_code == 200
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        key = db.session.scalar(sa.select(ApiKey).order_by(ApiKey.id.desc()))
        actions.revoke_key(key, actor=Actor.system())
        db.session.commit()
    assert Api(client, secret).get("/orders").status_code == 401


def test_revoked_token_and_disabled_manager_are_401(app, world):
    assert world["token"].get("/orders").status_code == 200
    with app.app_context():
        with all_tenants(db.session):
            db.session.execute(sa.update(LicenseManager).values(status="disabled"))
            db.session.commit()
    assert world["token"].get("/orders").status_code == 401
    with app.app_context():
        with all_tenants(db.session):
            db.session.execute(sa.update(LicenseManager).values(status="active"))
            db.session.execute(sa.update(ManagerToken).values(revoked_at=sa.func.now()))
            db.session.commit()
    assert world["token"].get("/orders").status_code == 401


def test_read_key_reads_but_every_write_is_403(app, world):
    ro = world["ro"]
    assert ro.get("/licenses").status_code == 200
    for method, path in [
        ("POST", f"/licenses/{world['license'].id}/disable"),
        ("POST", "/orders"),
        ("POST", "/customers"),
        ("POST", f"/devices/{world['device'].id}/reset"),
        ("PUT", f"/license-managers/{world['manager'].id}/permissions"),
    ]:
        response = ro.call(method, path, json={})
        assert response.status_code == 403, (method, path)
        assert response.json["error"]["code"] == "read_only_key"
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 2


def test_last_used_is_stamped_once_a_minute(app, world):
    world["rw"].get("/orders")
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        first = db.session.scalar(sa.select(ApiKey.last_used_at).where(ApiKey.access == "read_write"))
    world["rw"].get("/orders")
    with app.app_context():
        set_tenant(db.session, world["vendor"].id)
        again = db.session.scalar(sa.select(ApiKey.last_used_at).where(ApiKey.access == "read_write"))
    assert first is not None and again == first


def test_only_a_hash_is_stored(app, world):
    secret = world["rw"].headers["Authorization"].split(" ", 1)[1]
    with app.app_context():
        with all_tenants(db.session):
            rows = db.session.execute(sa.select(ApiKey.hash, ApiKey.prefix)).all()
    assert all(secret not in (h, p) for h, p in rows)
    assert any(secret.split("_")[1] == p for _, p in rows)
