"""Write audit events: who did what to which object, with before and after."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

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


def _actor(principal: Any) -> tuple[str, int | None, str]:
    if principal is None and has_request_context() and current_user.is_authenticated:
        principal = current_user
    if principal is None:
        return "system", None, "system"
    return principal.kind, principal.record.id, principal.email


def record(
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    principal: Any = None,
    customer_account_id: int | None = None,
    object_type: str | None = None,
    object_label: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session; it commits (or rolls back) with the change."""
    actor_type, actor_id, actor_label = _actor(principal)
    if customer_account_id is None:
        customer_account_id = principal_customer_account(principal)
    event = AuditEvent(
        actor_type=actor_type,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type or OBJECT_TYPES.get(type(obj), type(obj).__name__.lower()),
        object_id=getattr(obj, "id", None),
        object_label=(object_label or describe(obj))[:254],
        customer_account_id=customer_account_id,
        before=before,
        after=after,
        ip=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(event)
    return event


def principal_customer_account(principal: Any) -> int | None:
    if principal is None and has_request_context() and current_user.is_authenticated:
        principal = current_user
    if principal is not None and principal.kind == "manager":
        return principal.record.customer_account_id
    return None
