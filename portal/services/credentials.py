"""License users' passwords, set by a license manager for them."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import LicenseManager, LicenseUser
from portal.passwords import hash_password

# No look-alike characters (0/O, 1/l/I): the password is read off a screen and typed.
ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """Four groups of four random characters: about 94 bits."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))


def refusal(user: LicenseUser, manager: LicenseManager) -> str | None:
    """Why this manager may not set this user's password, or None when they may."""
    if user.id == manager.license_user_id:
        return None
    other = db.session.scalar(sa.select(LicenseManager.id).where(LicenseManager.license_user_id == user.id))
    if other is not None:
        # Setting another manager's password would let one manager sign in as another.
        return (
            f"{user.email} is a license manager: only they can change their password "
            "(or reset it by email), not another manager."
        )
    if user.customer_account_id not in (None, manager.customer_account_id):
        return f"{user.email} belongs to another organisation: its own managers or the vendor set their password."
    return None


def set_password(user: LicenseUser, password: str | None, manager: LicenseManager) -> str:
    """Set the password (or a generated one) and return it; others must change it on sign-in."""
    password = password or generate_password()
    user.password_hash = hash_password(password)
    # Someone else chose it, so the user picks their own at the next sign-in; a manager
    # setting their own password chose it themselves.
    user.is_initial_password = user.id != manager.license_user_id
    db.session.flush()
    audit.record("license_user.password_set", user, after={"is_initial_password": user.is_initial_password})
    return password
