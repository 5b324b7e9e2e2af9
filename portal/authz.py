"""What a license manager may see and do: scope first (404), then permission (403).

Scope: the orders the manager manages, and everything that hangs under them. Loaders
fetch by id inside that scope and abort 404 outside it, whatever the permissions, so an
object of another customer or vendor looks exactly like one that does not exist. The
vendor boundary itself is held by portal.tenancy underneath.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from portal import permissions as perms
from portal.extensions import db
from portal.models import (
    Device,
    License,
    LicenseAssignment,
    LicenseManager,
    LicenseUser,
    Order,
    OrderManager,
    UserGroup,
    UserGroupManager,
    UserGroupMember,
)


def manager() -> LicenseManager:
    return current_user.manager


def managed_order_ids(manager_id: int | None = None) -> sa.Select:
    """The ids of the orders a manager manages, as a subquery to filter with."""
    manager_id = manager_id or manager().id
    return sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager_id)


def managed_group_ids(manager_id: int | None = None) -> sa.Select:
    manager_id = manager_id or manager().id
    return sa.select(UserGroupManager.user_group_id).where(UserGroupManager.manager_id == manager_id)


def scoped_license_user_ids(manager_id: int | None = None) -> sa.Select:
    """License users a manager may see: on their licenses, in their groups or their organisation."""
    m = manager()
    manager_id = manager_id or m.id
    on_licenses = (
        sa.select(LicenseAssignment.license_user_id)
        .join(License, License.id == LicenseAssignment.license_id)
        .where(License.order_id.in_(managed_order_ids(manager_id)))
    )
    in_groups = sa.select(UserGroupMember.license_user_id).where(
        UserGroupMember.user_group_id.in_(managed_group_ids(manager_id))
    )
    selects = [on_licenses, in_groups]
    if m.customer_account_id is not None:
        selects.append(sa.select(LicenseUser.id).where(LicenseUser.customer_account_id == m.customer_account_id))
    return sa.union(*selects)


def _or_404(obj):
    if obj is None:
        abort(404)
    return obj


def load_order(order_id: int) -> Order:
    return _or_404(
        db.session.scalar(
            sa.select(Order)
            .where(Order.id == order_id, Order.id.in_(managed_order_ids()))
            .options(so.joinedload(Order.customer))
        )
    )


def load_license(license_id: int) -> License:
    return _or_404(
        db.session.scalar(
            sa.select(License)
            .where(License.id == license_id, License.order_id.in_(managed_order_ids()))
            .options(so.joinedload(License.product), so.joinedload(License.policy), so.joinedload(License.order))
        )
    )


def load_device(device_id: int) -> Device:
    return _or_404(
        db.session.scalar(
            sa.select(Device)
            .join(License, License.id == Device.license_id)
            .where(Device.id == device_id, License.order_id.in_(managed_order_ids()))
            .options(so.contains_eager(Device.license))
        )
    )


def load_license_user(user_id: int) -> LicenseUser:
    return _or_404(
        db.session.scalar(
            sa.select(LicenseUser).where(LicenseUser.id == user_id, LicenseUser.id.in_(scoped_license_user_ids()))
        )
    )


def load_user_group(group_id: int) -> UserGroup:
    return _or_404(
        db.session.scalar(sa.select(UserGroup).where(UserGroup.id == group_id, UserGroup.id.in_(managed_group_ids())))
    )


def can(code: str) -> bool:
    """Whether the signed-in manager holds a permission; a Jinja global for hiding buttons."""
    if not current_user.is_authenticated or not current_user.is_manager:
        return False
    return current_user.manager.has_permission(code)


def require(code: str) -> None:
    """Abort 403 naming the permission when the signed-in manager does not hold it."""
    if not can(code):
        label = perms.label(code)
        abort(403, description=f"You need the “{label}” permission ({code}) to do this. Ask your vendor to grant it.")
