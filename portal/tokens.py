"""Invitation and password-reset links: random, stored hashed, expiring, single use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import LicenseUser, SignInToken, utcnow
from portal.services import affected
from portal.tenancy import all_tenants, set_tenant

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def max_age(purpose: str) -> dt.timedelta:
    if purpose == INVITATION:
        return dt.timedelta(hours=current_app.config["INVITATION_MAX_AGE_HOURS"])
    return dt.timedelta(minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"])


def issue(user: LicenseUser, purpose: str) -> str:
    """Create a token for the user, ending their earlier unused ones of the same purpose."""
    now = utcnow()
    db.session.execute(
        sa.update(SignInToken)
        .where(SignInToken.license_user_id == user.id, SignInToken.purpose == purpose, SignInToken.used_at.is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        SignInToken(
            token_hash=_hash(raw),
            license_user_id=user.id,
            purpose=purpose,
            expires_at=now + max_age(purpose),
        )
    )
    return raw


RESET_PATH = "/portal/password/reset/"  # CONTRACT.md's URL of the set-password page


def link(raw: str) -> str:
    """The absolute set-password link for a token, on the configured origin.

    Never from the request's Host: a forged Host would otherwise mail a valid token to
    the forger's site (issue 8, finding 1).
    """
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return f"{base}{RESET_PATH}{raw}"


def peek(raw: str) -> tuple[SignInToken, LicenseUser] | None:
    """Find a live token and its user, and scope the session to the user's vendor."""
    with all_tenants(db.session):
        row = db.session.execute(
            sa.select(SignInToken, LicenseUser)
            .join(LicenseUser, LicenseUser.id == SignInToken.license_user_id)
            .where(SignInToken.token_hash == _hash(raw))
        ).first()
    if row is None:
        return None
    token, user = row
    if token.used_at is not None or token.expires_at < utcnow():
        return None
    set_tenant(db.session, user.vendor_account_id)
    return token, user


def redeem(raw: str) -> tuple[SignInToken, LicenseUser] | None:
    """Use a token once: a conditional UPDATE, so two tabs cannot both redeem it."""
    found = peek(raw)
    if found is None:
        return None
    token, user = found
    used = db.session.execute(
        sa.update(SignInToken).where(SignInToken.id == token.id, SignInToken.used_at.is_(None)).values(used_at=utcnow())
    )
    if affected(used) != 1:
        return None
    return token, user
