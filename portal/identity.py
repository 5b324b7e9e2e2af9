"""Who is signed in: staff or a license manager, loaded with their tenant in scope.

Flask-Login keeps one id in the session. It names the side and the session version
(``staff:12:3``, ``manager:34:1``), so one side can never load as the other, and bumping a
person's ``session_version`` (sign-out, disable) ends every session that carries the old one.

A session begun by signing in also carries a random ``sid`` whose record (``UserSession``) is
joined into the one query that loads the person, with their vendor's brand and (for managers)
their organisation: a session ended from another browser fails to load, at no extra query.
"Last seen" is written at most every five minutes per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import request, session
from flask_login import AnonymousUserMixin

from portal.extensions import db, login_manager
from portal.models import CustomerAccount, LicenseManager, StaffUser, UserSession, VendorBranding, utcnow
from portal.services.accounts import sessions
from portal.tenancy import all_tenants, set_tenant

STAFF = "staff"
MANAGER = "manager"


@dataclass
class Principal:
    """The signed-in person, whichever side they are on."""

    kind: str
    record: StaffUser | LicenseManager
    brand: VendorBranding | None = None
    organisation: str = ""  # a manager's customer account
    session_record: UserSession | None = None
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


def _statement(kind: str, record_id: int, sid: str | None) -> sa.Select[Any] | None:
    model: Any
    statement: sa.Select[Any]
    if kind == STAFF:
        model, organisation = StaffUser, sa.literal("")
        statement = sa.select(StaffUser, VendorBranding, organisation)
    elif kind == MANAGER:
        model = LicenseManager
        statement = (
            sa.select(LicenseManager, VendorBranding, CustomerAccount.name)
            .outerjoin(CustomerAccount, CustomerAccount.id == LicenseManager.customer_account_id)
            .options(so.joinedload(LicenseManager.license_user))
        )
    else:
        return None
    statement = statement.outerjoin(VendorBranding, VendorBranding.vendor_account_id == model.vendor_account_id).where(
        model.id == record_id
    )
    if sid is not None:
        owner = UserSession.staff_user_id if kind == STAFF else UserSession.license_manager_id
        statement = statement.add_columns(UserSession).outerjoin(
            UserSession, sa.and_(UserSession.sid_hash == sessions.sid_hash(sid), owner == model.id)
        )
    return statement


def load_principal(kind: str, record_id: int, sid: str | None = None) -> Principal | None:
    """Load a person by side and id, across tenants, and scope the session to their account.

    With a ``sid`` the session's record comes in the same query; a missing or ended one loads no one.
    """
    statement = _statement(kind, record_id, sid)
    if statement is None:
        return None
    with all_tenants(db.session):
        row = db.session.execute(statement).first()
    if row is None:
        return None
    record, brand, organisation = row[0], row[1], row[2]
    if isinstance(record, StaffUser) and not record.is_active:
        return None
    if isinstance(record, LicenseManager) and record.status == "disabled":
        return None
    session_record = row[3] if sid is not None else None
    if sid is not None and (session_record is None or session_record.ended_at is not None):
        return None
    set_tenant(db.session, record.vendor_account_id)
    return Principal(kind, record, brand, organisation or "", session_record)


def _seen(record: UserSession) -> None:
    """Write "last seen" when it is older than the interval: reads on their own connection."""
    if utcnow() - record.last_seen_at < sessions.SEEN_EVERY:
        return
    record.last_seen_at = utcnow()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        # A read request commits nothing; its own short write transaction, off the request's.
        with db.engine.begin() as connection:
            sessions.touch(record.id, connection)
    else:
        sessions.touch(record.id)


@login_manager.user_loader
def _load_user(user_id: str) -> Principal | None:
    try:
        kind, record_id, version = user_id.split(":")
        principal = load_principal(kind, int(record_id), session.get("sid"))
    except ValueError:
        return None
    if principal is None or str(principal.record.session_version) != version:
        return None
    if principal.session_record is not None:
        _seen(principal.session_record)
    if principal.is_staff and VIEW_AS in session:
        return _viewing_as(principal)
    return principal


login_manager.anonymous_user = Anonymous
