"""Write audit events: who did what to which object, with before and after.

Services take the acting person as an ``Actor`` (the web builds one from the signed-in person
and the request's address; the CLI and jobs use ``Actor.system()``), so recording runs without a
request. ``describe`` names objects as a person reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Customer,
    CustomerAccount,
    Device,
    License,
    LicenseManager,
    LicenseUser,
    Order,
    Product,
    StaffUser,
    UserGroup,
)


@dataclass(frozen=True)
class Actor:
    """Who acts: staff, a license manager, or the system, from which address."""

    kind: str  # "staff", "manager" or "system"
    id: int | None
    label: str
    customer_account_id: int | None = None
    ip: str = ""

    @classmethod
    def of(cls, person: StaffUser | LicenseManager, ip: str = "") -> Actor:
        if isinstance(person, StaffUser):
            return cls("staff", person.id, person.email, None, ip)
        return cls("manager", person.id, person.license_user.email, person.customer_account_id, ip)

    @classmethod
    def system(cls, ip: str = "") -> Actor:
        return cls("system", None, "system", None, ip)


def describe(obj: Any) -> str:
    """Name an object as a person reads it: an email, an order reference, a hostname."""
    if isinstance(obj, StaffUser):
        return obj.email
    if isinstance(obj, LicenseManager):
        return obj.license_user.email
    if isinstance(obj, LicenseUser):
        return obj.email
    if isinstance(obj, Order):
        return f"order {obj.reference}"
    if isinstance(obj, License):
        return f"license {obj.license_key}" if obj.license_key else f"license #{obj.id}"
    if isinstance(obj, Device):
        return obj.hostname or obj.hardware_id
    if isinstance(obj, UserGroup):
        return f"group {obj.name}"
    if isinstance(obj, CustomerAccount | Product):
        return obj.name
    if isinstance(obj, Customer):
        return obj.email
    return str(getattr(obj, "id", obj))


OBJECT_TYPES = {
    StaffUser: "staff",
    LicenseManager: "license_manager",
    LicenseUser: "license_user",
    Order: "order",
    License: "license",
    Device: "device",
    UserGroup: "user_group",
    CustomerAccount: "customer_account",
    Product: "product",
    Customer: "customer",
}


def record(
    action: str,
    obj: Any,
    *,
    actor: Actor | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    customer_account_id: int | None = None,
    object_type: str | None = None,
    object_label: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session; it commits (or rolls back) with the change.

    The event belongs to the customer account given, or else to the acting manager's.
    """
    actor = actor or _request_actor()
    event = AuditEvent(
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type or OBJECT_TYPES.get(type(obj), type(obj).__name__.lower()),
        object_id=getattr(obj, "id", None),
        object_label=(object_label or describe(obj))[:254],
        customer_account_id=customer_account_id if customer_account_id is not None else actor.customer_account_id,
        before=before,
        after=after,
        ip=actor.ip[:45],
    )
    db.session.add(event)
    return event


def _request_actor() -> Actor:  # TRANSITIONAL: removed once every service takes its actor
    from portal.access import actor as web_actor

    return web_actor()
