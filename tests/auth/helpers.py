"""Signing in through the real pages, and turning two-factor sign-in on, for the account tests."""

from __future__ import annotations

import re
import time

import pyotp
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, OutboxMail
from portal.tenancy import all_tenants
from tests.factories import PASSWORD

SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7]+)<')
CODES = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def sign_in(
    client, email, password=PASSWORD, side="portal", path=None, user_agent="Mozilla/5.0 (X11; Linux) Firefox/140.0"
):
    return client.post(
        path or f"/{side}/login",
        data={"email": email, "password": password},
        headers={"User-Agent": user_agent},
    )


def enrol(client, side="portal") -> tuple[str, list[str]]:
    """Turn TOTP on for the signed-in client; the secret and the recovery codes the pages show."""
    page = client.get(f"/{side}/account/two-factor")
    assert page.status_code == 200, page.status_code
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    done = client.post(f"/{side}/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = CODES.findall(done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def next_code(secret: str, steps: int = 1) -> str:
    """A code of a later time step (accepted within the one-step window), so it is not a replay."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def actions(app, action_prefix: str) -> list[AuditEvent]:
    with app.app_context(), all_tenants(db.session):
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action.like(f"{action_prefix}%")).order_by(AuditEvent.id)
            )
        )


def outbox(app, to: str) -> list[OutboxMail]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMail).where(OutboxMail.to == to).order_by(OutboxMail.id)))
