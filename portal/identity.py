"""Who is signed in: staff or a license manager, loaded with their tenant in scope.

Flask-Login keeps one id in the session. It names the side and the session version
(``staff:12:3``, ``manager:34:1``), so one side can never load as the other, and bumping a
person's ``session_version`` (sign-out, disable) ends every session that carries the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import request, session
from flask_login import AnonymousUserMixin

from portal.extensions import db, login_manager
from portal.models import LicenseManager, StaffUser
from portal.tenancy import all_tenants, set_tenant

STAFF = "staff"
MANAGER = "manager"


@dataclass
class Principal:
    """The signed-in person, whichever side they are on."""

    kind: str
    record: StaffUser | LicenseManager
    # Staff viewing the End User Portal as this manager (read-only; ``portal.access``).
    impersonator: StaffUser | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        if self.impersonator is not None:  # the session stays the staff member's own
            return f"{STAFF}:{self.impersonator.id}:{self.impersonator.session_version}"
        return f"{self.kind}:{self.record.id}:{self.record.session_version}"

    @property
    def vendor_account_id(self) -> int:
        return self.record.vendor_account_id

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_manager(self) -> bool:
        return self.kind == MANAGER

    @property
    def staff(self) -> StaffUser:
        assert isinstance(self.record, StaffUser)
        return self.record

    @property
    def manager(self) -> LicenseManager:
        assert isinstance(self.record, LicenseManager)
        return self.record

    @property
    def email(self) -> str:
        if isinstance(self.record, StaffUser):
            return self.record.email
        return self.record.license_user.email

    @property
    def display_name(self) -> str:
        if isinstance(self.record, StaffUser):
            return self.record.name or self.record.email
        return self.record.license_user.display_name


class Anonymous(AnonymousUserMixin):
    kind = None
    is_staff = False
    is_manager = False
    impersonator = None


# Viewing the portal as a manager: the session keeps the staff member's own id and names the
# manager under this key; only End User Portal requests load as the manager.
VIEW_AS = "view_as"
VIEW_AS_PATHS = ("/portal",)


def _viewing_as(staff: Principal) -> Principal:
    """The manager a staff member views the portal as, or the staff member when that has lapsed."""
    manager_id = (session.get(VIEW_AS) or {}).get("manager_id")
    if not isinstance(manager_id, int) or not request.path.startswith(VIEW_AS_PATHS):
        return staff
    manager = db.session.scalar(
        sa.select(LicenseManager)
        .where(LicenseManager.id == manager_id)
        .options(so.joinedload(LicenseManager.license_user))
    )
    if manager is None or manager.status == "disabled":
        return staff  # the portal's guard ends the lapsed view (portal.access)
    return Principal(MANAGER, manager, impersonator=staff.staff)


def load_principal(kind: str, record_id: int) -> Principal | None:
    """Load a person by side and id, across tenants, and scope the session to their account."""
    record: StaffUser | LicenseManager | None
    with all_tenants(db.session):
        if kind == STAFF:
            record = db.session.get(StaffUser, record_id)
            if record is None or not record.is_active:
                return None
        elif kind == MANAGER:
            record = db.session.scalar(
                sa.select(LicenseManager)
                .where(LicenseManager.id == record_id)
                .options(so.joinedload(LicenseManager.license_user))
            )
            if record is None or record.status == "disabled":
                return None
        else:
            return None
    set_tenant(db.session, record.vendor_account_id)
    return Principal(kind, record)


@login_manager.user_loader
def _load_user(user_id: str) -> Principal | None:
    try:
        kind, record_id, version = user_id.split(":")
        principal = load_principal(kind, int(record_id))
    except ValueError:
        return None
    if principal is None or str(principal.record.session_version) != version:
        return None
    if principal.is_staff and VIEW_AS in session:
        return _viewing_as(principal)
    return principal


login_manager.anonymous_user = Anonymous
