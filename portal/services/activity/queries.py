"""The events a license manager sees: the one definition, for the activity page and the dashboard.

A manager sees an event when its object lies inside their scope (``portal.scope``, the same
SQL the loaders answer 404 outside of): one of their orders, a license or device under them,
a license user or user group they reach, or the manager themselves; and every event they
made themselves. Nothing else of their organisation: another order's license key or note is
not theirs to read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal import scope
from portal.extensions import db
from portal.lists import Page, Sorts, paginate
from portal.models import AuditEvent, Device, License, LicenseManager
from portal.scope import license_user_ids, managed_group_ids, managed_license_ids, managed_order_ids


def _on(object_type: str, ids: Any) -> sa.ColumnElement[bool]:
    return sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))


def _probed(manager_id: int) -> list[sa.ColumnElement[bool]]:
    """Events on an order, license or device of a large scope, each tested by its object's order (never collected)."""
    order = AuditEvent.object_id
    license_ = sa.select(License.id).where(
        License.id == AuditEvent.object_id, scope.manages(manager_id, License.order_id)
    )
    device = (
        sa.select(Device.id)
        .join(License, License.id == Device.license_id)
        .where(Device.id == AuditEvent.object_id, scope.manages(manager_id, License.order_id))
    )
    return [
        sa.and_(AuditEvent.object_type == "order", scope.manages(manager_id, order)),
        sa.and_(AuditEvent.object_type == "license", license_.exists()),
        sa.and_(AuditEvent.object_type == "device", device.exists()),
    ]


def visible(manager: LicenseManager) -> sa.ColumnElement[bool]:
    """The condition an event meets when the manager may see it.

    A large scope's orders, licenses and devices are tested event by event (the newest events are read
    first and few are needed), not collected: 60,000 license ids cost ~100 ms before the first event.
    """
    if scope.is_large(manager.id):
        under_orders = _probed(manager.id)
    else:
        under_orders = [
            _on("order", managed_order_ids(manager.id)),
            _on("license", managed_license_ids(manager.id)),
            _on("device", sa.select(Device.id).where(Device.license_id.in_(managed_license_ids(manager.id)))),
        ]
    return sa.or_(
        sa.and_(AuditEvent.actor_type == "manager", AuditEvent.actor_id == manager.id),
        *under_orders,
        _on("license_user", license_user_ids(manager)),
        _on("user_group", managed_group_ids(manager.id)),
        sa.and_(AuditEvent.object_type == "license_manager", AuditEvent.object_id == manager.id),
    )


def events(manager: LicenseManager) -> sa.Select[Any]:
    """The manager's events, newest first."""
    return sa.select(AuditEvent).where(visible(manager)).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


EVENT_SORTS = Sorts(
    {
        "when": (AuditEvent.created_at, AuditEvent.id),
        "who": (AuditEvent.actor_label, AuditEvent.id),
        "what": (AuditEvent.action, AuditEvent.id),
        "object": (AuditEvent.object_label, AuditEvent.id),
    },
    default="-when",
)


def events_page(manager: LicenseManager, number: int, sort: str = EVENT_SORTS.default) -> Page[AuditEvent]:
    """A page of the manager's events in this sort (newest first), with a capped count."""
    return paginate(EVENT_SORTS.apply(events(manager), sort), number, args=EVENT_SORTS.args(sort))


def recent(manager: LicenseManager, shown: int = 8) -> list[AuditEvent]:
    """The manager's latest few events, for the dashboard."""
    return list(db.session.scalars(events(manager).limit(shown)))
