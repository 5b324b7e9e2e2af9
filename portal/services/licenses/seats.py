"""Seats of user-based licenses: assign and unassign license users.

Taking a seat is one conditional UPDATE (``assigned_users + 1 WHERE assigned_users <
max_license_users``) before the assignment row is written. Of two requests racing for the
last seat, the database lets exactly one through; the other matches no row and gets a
Conflict, with nothing written.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit, webhooks
from portal.audit import Actor
from portal.errors import N_, Conflict, Invalid
from portal.extensions import db
from portal.models import License, LicenseAssignment, LicenseManager, LicenseUser
from portal.services import affected
from portal.services.licenses import queries
from portal.services.users.actions import find_or_create_user


def no_free_seat(license_: License) -> str:
    return N_("No free seat: all %(seats)s seats of this license are assigned.", seats=license_.max_license_users)


def assign(
    license_: License, email: str, first_name: str = "", last_name: str = "", *, manager: LicenseManager, actor: Actor
) -> LicenseUser:
    """Give one seat of a user-based license to the user with this email, of the license's customer.

    An unknown email becomes a license user of the customer account the license's order belongs
    to (the manager's when the order has none); an existing user is assigned only when the manager
    may reach them (``users.queries.reachable``).
    """
    account_id = queries.customer_account_id(license_)
    if not license_.max_license_users:
        raise Conflict(N_("This license is not user-based: it has no seats to assign."))
    user, created = find_or_create_user(
        email,
        first_name,
        last_name,
        customer_account_id=account_id if account_id is not None else manager.customer_account_id,
        manager=manager,
        actor=actor,
    )
    if not created and queries.is_assigned(license_, user):
        raise Invalid.at("email", N_("%(email)s is already assigned to this license.", email=user.email))
    taken = db.session.execute(
        sa.update(License)
        .where(License.id == license_.id, License.assigned_users < License.max_license_users)
        .values(assigned_users=License.assigned_users + 1)
        .execution_options(synchronize_session=False)
    )
    if affected(taken) == 0:
        raise Conflict(no_free_seat(license_))
    try:
        with db.session.begin_nested():
            db.session.add(LicenseAssignment(license_id=license_.id, license_user_id=user.id))
    except IntegrityError:
        raise Invalid.at("email", N_("%(email)s is already assigned to this license.", email=user.email)) from None
    db.session.refresh(license_)
    audit.record(
        "license.user_assigned",
        license_,
        actor=actor,
        object_label=f"{audit.describe(license_)} → {user.email}",
        before={"assigned_users": license_.assigned_users - 1},
        after={"assigned_users": license_.assigned_users, "user": user.email},
    )
    _emit_seat("seat.assigned", license_, user)
    return user


def unassign(license_: License, user: LicenseUser, *, actor: Actor) -> bool:
    """Take the user's seat back; False when they held none."""
    removed = db.session.execute(
        sa.delete(LicenseAssignment)
        .where(LicenseAssignment.license_id == license_.id, LicenseAssignment.license_user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    if affected(removed) == 0:
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
        actor=actor,
        object_label=f"{audit.describe(license_)} → {user.email}",
        before={"assigned_users": license_.assigned_users + 1, "user": user.email},
        after={"assigned_users": license_.assigned_users},
    )
    _emit_seat("seat.unassigned", license_, user)
    return True


def _emit_seat(event: str, license_: License, user: LicenseUser) -> None:
    payload = {"license": webhooks.license_data(license_), "user": {"id": user.id, "email": user.email}}
    webhooks.emit(event, payload, vendor_account_id=license_.vendor_account_id)
