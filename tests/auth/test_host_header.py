"""Links in mail come from PORTAL_BASE_URL, never from the request's Host (issue 8, finding 1).

A forged Host is refused with a 400 before anything runs, and even a trusted alias or a
forwarded host leaves the links on the configured origin; the command line uses it too.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import create_app
from portal.extensions import db
from portal.mail import send_invitation
from portal.models import LicenseManager, OutboxMail
from portal.tenancy import all_tenants, set_tenant


def _mails(app, to):
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(OutboxMail.body).where(OutboxMail.to == to)))


def _forgot(client, email, **kwargs):
    response = client.post("/portal/password/forgot", data={"email": email}, **kwargs)
    response.close()  # the mail leaves once the answer is closed, as a WSGI server does
    return response


@pytest.mark.parametrize(
    "forged",
    ["evil.example", "evil.example:5000", "portal.test.evil.example", "127.0.0.1.nip.io", "[::2]:80"],
)
def test_forgot_password_with_a_forged_host_mails_no_link_to_it(app, client, make, forged):
    vendor = make.vendor()
    manager = make.manager(vendor, email="lm@customer.test")
    response = _forgot(client, manager.license_user.email, headers={"Host": forged})
    assert response.status_code == 400
    assert "does not answer for that host" in response.get_data(as_text=True)
    assert _mails(app, "lm@customer.test") == []
    assert client.get("/portal/login", headers={"Host": forged}).status_code == 400


@pytest.mark.parametrize("base", ["https://licenses.vendor.example", "http://portal.internal:8080/"])
def test_links_use_the_configured_origin_not_the_requests(app, client, make, base):
    app.config["PORTAL_BASE_URL"] = base
    vendor = make.vendor()
    make.manager(vendor, email="lm@customer.test")
    headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"}  # no proxy is trusted
    assert _forgot(client, "lm@customer.test", headers=headers).status_code == 200
    [body] = _mails(app, "lm@customer.test")
    assert base.rstrip("/") + "/portal/password/reset/" in body
    assert "portal.test" not in body and "evil.example" not in body


def test_the_command_line_reads_portal_base_url(monkeypatch, database_url, make):
    monkeypatch.setenv("PORTAL_BASE_URL", "https://licenses.acme.example/")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "cli-secret")
    cli_app = create_app({"TESTING": True, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    assert cli_app.config["PORTAL_BASE_URL"] == "https://licenses.acme.example"
    assert "licenses.acme.example" in cli_app.config["TRUSTED_HOSTS"]
    vendor = make.vendor()
    invited = make.manager(vendor, status="invited", password=None)
    with cli_app.app_context():  # no request, as in `flask --app wsgi …`
        set_tenant(db.session, vendor.id)
        manager = db.session.scalar(
            sa.select(LicenseManager).where(LicenseManager.id == invited.id).options(so.joinedload("*"))
        )
        link = send_invitation(manager, "Acme Software")
        db.session.commit()
        db.engine.dispose()
    assert link.startswith("https://licenses.acme.example/portal/password/reset/")


def test_production_needs_portal_base_url(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        create_app()


def test_trusted_hosts_are_configurable_and_production_drops_loopback(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://licenses.vendor.example")
    monkeypatch.setenv("TRUSTED_HOSTS", "portal.internal, .vendor.example")
    production = create_app()
    assert production.config["TRUSTED_HOSTS"] == ["licenses.vendor.example", "portal.internal", ".vendor.example"]
    client = production.test_client()
    assert client.get("/healthz", headers={"Host": "portal.internal"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "eu.vendor.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "vendor.example.evil"}).status_code == 400
