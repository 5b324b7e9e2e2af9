"""Invitation and password-reset links: random, stored hashed, expiring, single use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import LicenseUser, SignInToken, StaffPasswordToken, StaffUser, utcnow
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


# Staff reset links: the same machinery, their own table and path.
STAFF_RESET_PATH = "/vendor/password/reset/"


def issue_staff(staff: StaffUser) -> str:
    """A reset link for a staff member, ending their earlier unused ones."""
    now = utcnow()
    db.session.execute(
        sa.update(StaffPasswordToken)
        .where(StaffPasswordToken.staff_user_id == staff.id, StaffPasswordToken.used_at.is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        StaffPasswordToken(token_hash=_hash(raw), staff_user_id=staff.id, expires_at=now + max_age(PASSWORD_RESET))
    )
    return raw


def staff_link(raw: str) -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + STAFF_RESET_PATH + raw


def _staff_token(raw: str) -> tuple[StaffPasswordToken, StaffUser] | None:
    with all_tenants(db.session):
        row = db.session.execute(
            sa.select(StaffPasswordToken, StaffUser)
            .join(StaffUser, StaffUser.id == StaffPasswordToken.staff_user_id)
            .where(StaffPasswordToken.token_hash == _hash(raw))
        ).first()
    if row is None or row[0].used_at is not None or row[0].expires_at < utcnow():
        return None
    set_tenant(db.session, row[1].vendor_account_id)
    return row[0], row[1]


def peek_staff(raw: str) -> StaffUser | None:
    """The staff member of a live reset link, with the session scoped to their vendor."""
    found = _staff_token(raw)
    return found[1] if found else None


def redeem_staff(raw: str) -> StaffUser | None:
    """Use a staff reset link once (a conditional UPDATE)."""
    found = _staff_token(raw)
    if found is None:
        return None
    used = db.session.execute(
        sa.update(StaffPasswordToken)
        .where(StaffPasswordToken.id == found[0].id, StaffPasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return found[1] if affected(used) == 1 else None
