"""Seats of user-based licenses: assign and unassign license users.

Taking a seat is one conditional UPDATE (``assigned_users + 1 WHERE assigned_users <
max_license_users``) before the assignment row is written. Of two requests racing for the
last seat, the database lets exactly one through; the other matches no row and gets a
Conflict, with nothing written.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import License, LicenseAssignment, LicenseUser


def find_user(email: str) -> LicenseUser | None:
    """The vendor's license user with this email (emails are unique per vendor)."""
    return db.session.scalar(sa.select(LicenseUser).where(LicenseUser.email == email))


def find_or_create_user(
    email: str, first_name: str = "", last_name: str = "", customer_account_id: int | None = None
) -> tuple[LicenseUser, bool]:
    """Return the license user with this email, creating them if unknown; and whether created.

    An existing user is never changed here: their names belong to them and their organisation.
    """
    email = email.strip().lower()
    user = find_user(email)
    if user is not None:
        return user, False
    user = LicenseUser(
        email=email, first_name=first_name.strip(), last_name=last_name.strip(), customer_account_id=customer_account_id
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # Another request created the same email a moment ago: use theirs.
        return find_user(email), False
    audit.record("license_user.created", user, after={"email": email})
    return user, True


def is_assigned(license_: License, user: LicenseUser) -> bool:
    return (
        db.session.scalar(
            sa.select(LicenseAssignment.id).where(
                LicenseAssignment.license_id == license_.id, LicenseAssignment.license_user_id == user.id
            )
        )
        is not None
    )


def no_free_seat(license_: License) -> str:
    return f"No free seat: all {license_.max_license_users} seats of this license are assigned."


def assign(
    license_: License, email: str, first_name: str = "", last_name: str = "", customer_account_id: int | None = None
) -> LicenseUser:
    """Give one seat of a user-based license to the user with this email."""
    if not license_.max_license_users:
        raise Conflict("This license is not user-based: it has no seats to assign.")
    user, created = find_or_create_user(email, first_name, last_name, customer_account_id)
    if not created and is_assigned(license_, user):
        raise Invalid.at("email", f"{user.email} is already assigned to this license.")
    taken = db.session.execute(
        sa.update(License)
        .where(License.id == license_.id, License.assigned_users < License.max_license_users)
        .values(assigned_users=License.assigned_users + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 0:
        raise Conflict(no_free_seat(license_))
    try:
        with db.session.begin_nested():
            db.session.add(LicenseAssignment(license_id=license_.id, license_user_id=user.id))
    except IntegrityError:
        raise Invalid.at("email", f"{user.email} is already assigned to this license.") from None
    db.session.refresh(license_)
    audit.record(
        "license.user_assigned",
        license_,
        object_label=f"{audit.describe(license_)} → {user.email}",
        before={"assigned_users": license_.assigned_users - 1},
        after={"assigned_users": license_.assigned_users, "user": user.email},
    )
    return user


def unassign(license_: License, user: LicenseUser) -> bool:
    """Take the user's seat back; False when they held none."""
    removed = db.session.execute(
        sa.delete(LicenseAssignment)
        .where(LicenseAssignment.license_id == license_.id, LicenseAssignment.license_user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount == 0:
        return False
    db.session.execute(
        sa.update(License)
        .where(License.id == license_.id, License.assigned_users > 0)
        .values(assigned_users=License.assigned_users - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(license_)
    audit.record(
        "license.user_unassigned",
        license_,
        object_label=f"{audit.describe(license_)} → {user.email}",
        before={"assigned_users": license_.assigned_users + 1, "user": user.email},
        after={"assigned_users": license_.assigned_users},
    )
    return True
