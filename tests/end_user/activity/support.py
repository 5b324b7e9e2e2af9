"""Helpers for the activity and dashboard tests: a world with a manager, and audit events added directly."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, utcnow
from portal.tenancy import set_tenant


def activity_world(make, permissions="all") -> dict:
    """A vendor with a customer account and an order managed by a manager of that account."""
    w = make.world()
    w["manager"] = make.manager(w["vendor"], permissions=permissions, account=w["account"], orders=[w["order"]])
    return w


def add_event(app, vendor, **fields) -> None:
    """Write one audit event of the vendor as it stands (a license event by someone else, unless told)."""
    values = dict(
        actor_type="manager",
        actor_id=None,
        actor_label="someone@customer.test",
        action="license.disabled",
        object_type="license",
        object_label="license X",
        created_at=utcnow(),
    )
    values.update(fields)
    with app.app_context():
        set_tenant(db.session, vendor.id)
        db.session.add(AuditEvent(**values))
        db.session.commit()
