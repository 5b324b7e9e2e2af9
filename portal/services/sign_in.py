"""Who may sign in, and a manager's own password: look-ups across tenants and the password change.

Sign-in happens before any tenant is known, so these look-ups read across vendors (an email
may belong to managers at several vendors). Every password change ends the person's other
sessions: the session version goes up, and the caller signs the current session in again
with the new one.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit
from portal.audit import Actor
from portal.extensions import db
from portal.models import LicenseManager, LicenseUser, StaffUser
from portal.passwords import hash_password
from portal.tenancy import all_tenants


def find_staff(email: str) -> StaffUser | None:
    with all_tenants(db.session):
        return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def find_managers(email: str, vendor_account_id: int | None = None) -> list[LicenseManager]:
    """Managers with this email (at one vendor, when given); one person may manage at several vendors."""
    statement = (
        sa.select(LicenseManager)
        .join(LicenseManager.license_user)
        .where(LicenseUser.email == email)
        .options(so.contains_eager(LicenseManager.license_user))
        .order_by(LicenseManager.id)
    )
    if vendor_account_id is not None:
        # Before sign-in no tenant is set: the vendor of the sign-in address narrows the look-up.
        statement = statement.where(LicenseManager.vendor_account_id == vendor_account_id)
    with all_tenants(db.session):
        return list(db.session.scalars(statement))


def reset_recipients(email: str) -> list[LicenseUser]:
    """The license users behind the managers (not disabled) with this email, across vendors."""
    with all_tenants(db.session):
        return list(
            db.session.scalars(
                sa.select(LicenseUser)
                .join(LicenseManager, LicenseManager.license_user_id == LicenseUser.id)
                .where(LicenseUser.email == email, LicenseManager.status != "disabled")
            )
        )


def manager_of(user: LicenseUser) -> LicenseManager | None:
    return db.session.scalar(
        sa.select(LicenseManager)
        .where(LicenseManager.license_user_id == user.id)
        .options(so.joinedload(LicenseManager.license_user))
    )


def set_own_password(manager: LicenseManager, password: str, *, actor: Actor, action: str) -> None:
    """Give the manager a password of their own and end every session that carries the old version."""
    user = manager.license_user
    user.password_hash = hash_password(password)
    user.is_initial_password = False
    if manager.status == "invited":
        manager.status = "active"
    manager.session_version += 1
    db.session.flush()
    audit.record(action, manager, actor=actor)
