"""Write audit events: who did what to which object, with before and after.

Services take the acting person as an ``Actor`` (the web builds one from the signed-in person
and the request's address; the CLI and jobs use ``Actor.system()``), so recording runs without a
request. ``describe`` names objects as a person reads them.

Reading events back is here too, so every page that shows events words them the same way:
``ACTION_LABELS`` (the one table of what each action reads as), ``action_label``,
``object_type_label`` and ``changes`` (what an event changed, key by key).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from portal import permissions as perms
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
    actor: Actor,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    customer_account_id: int | None = None,
    object_type: str | None = None,
    object_label: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session; it commits (or rolls back) with the change.

    The event belongs to the customer account given, or else to the acting manager's.
    """
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


# Reading events: the one wording of every page that shows them

ACTION_LABELS = {
    "license.disabled": "Disabled a license",
    "license.enabled": "Enabled a license",
    "license.note_changed": "Edited a license's note",
    "license.reset": "Reset a license and all its devices",
    "license.user_assigned": "Assigned a license",
    "license.user_unassigned": "Unassigned a license",
    "device.reset": "Reset a device",
    "device.seat_released": "Released a floating seat",
    "device.revoked": "Blacklisted a device",
    "device.unrevoked": "Lifted a device's block",
    "device.borrowed": "Borrowed a floating seat",
    "device.activated": "Activated a device",
    "device.seat_acquired": "Acquired a floating seat",
    "license_user.created": "Added a license user",
    "license_user.password_set": "Set a license user's password",
    "user_group.created": "Created a user group",
    "user_group.renamed": "Renamed a user group",
    "user_group.member_added": "Added a group member",
    "user_group.member_removed": "Removed a group member",
    "order.created": "Created an order",
    "order.manager_added": "Added a manager to an order",
    "order.manager_removed": "Removed a manager from an order",
    "licenses.issued": "Issued licenses",
    "license_manager.created": "Added a license manager",
    "license_manager.permissions_updated": "Changed a manager's permissions",
    "license_manager.order_added": "Gave a manager an order",
    "license_manager.order_removed": "Took an order from a manager",
    "license_manager.removed_from_all_orders": "Took every order from a manager",
    "license_manager.disabled": "Disabled a license manager",
    "license_manager.enabled": "Enabled a license manager",
    "license_manager.invitation_resent": "Sent an invitation again",
    "license_manager.updated": "Edited a manager's details",
    "license_manager.scope_updated": "Changed a manager's customer accounts",
    "license_manager.user_group_added": "Gave a manager a user group",
    "license_manager.user_group_removed": "Took a user group from a manager",
    "license_manager.role_removed": "Took the manager role away",
    "impersonation.started": "Started viewing the portal as a manager",
    "impersonation.ended": "Stopped viewing the portal as a manager",
    "staff.signed_in": "Signed in",
    "manager.signed_in": "Signed in",
    "manager.password_set": "Set their password",
    "manager.password_changed": "Changed their password",
}


def action_label(action: str) -> str:
    """What an action reads as on every page; an action missing from the table still reads well."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    subject, _, verb = action.partition(".")
    words = f"{verb or subject} {subject if verb else ''}".replace("_", " ").strip()
    return words[:1].upper() + words[1:]


OBJECT_TYPE_LABELS = {
    "license_manager": "License manager",
    "license_user": "License user",
    "order": "Order",
    "license": "License",
    "device": "Device",
    "user_group": "User group",
    "customer_account": "Customer account",
    "customer": "Customer",
    "product": "Product",
    "staff": "Staff",
    "default_permission_set": "Default permission set",
    "vendor_account": "Vendor account",
}


def object_type_label(code: str) -> str:
    """What an object type reads as: 'license_manager' is 'License manager'."""
    return OBJECT_TYPE_LABELS.get(code) or code.replace("_", " ").capitalize()


@dataclass
class Change:
    label: str
    before: str | None = None
    after: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _when(value: str) -> str | None:
    try:
        return dt.datetime.fromisoformat(value).strftime("%d %b %Y %H:%M UTC")
    except ValueError:
        return None


NAME_KEYS = ("label", "product", "name", "reference", "email")


def _identity(item: Any) -> Any:
    """What names a list item across before and after: its id or name when it is a record."""
    if isinstance(item, dict):
        for key in ("id", *NAME_KEYS):
            if key in item:
                return (key, item[key])
    return None


def _text(key: str, value: Any) -> str:
    if value is None:
        return "no cap" if key == "cap" else "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        name_key = next((k for k in NAME_KEYS if k in value), None)
        name = str(value[name_key]) if name_key else str(value.get("id", ""))
        details = ", ".join(
            f"no {k.replace('_', ' ')}" if v is None else f"{k.replace('_', ' ')} {_text(k, v)}"
            for k, v in value.items()
            if k not in ("id", name_key)
        )
        return f"{name} ({details})" if details else name
    if key == "permissions" and value in perms.BY_CODE:
        return perms.label(value)
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        return _when(value) or value
    return str(value)


def _list_change(label: str, key: str, before: list, after: list) -> Change:
    change = Change(label)
    old = {_identity(x): x for x in before if _identity(x) is not None}
    new = {_identity(x): x for x in after if _identity(x) is not None}
    for item in after:
        ident = _identity(item)
        if ident is not None and ident in old:
            if old[ident] != item:
                change.changed.append(f"{_text(key, old[ident])} → {_text(key, item)}")
        elif item not in before:
            change.added.append(_text(key, item))
    for item in before:
        ident = _identity(item)
        if (ident is None or ident not in new) and item not in after:
            change.removed.append(_text(key, item))
    return change


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """What an event changed, key by key: 'Status: active → disabled', lists as added/removed."""
    before, after = before or {}, after or {}
    found = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label = key.replace("_", " ").capitalize()
        if isinstance(old, list) or isinstance(new, list):
            change = _list_change(label, key, old or [], new or [])
            if change.is_list:
                found.append(change)
        else:
            found.append(Change(label, before=_text(key, old), after=_text(key, new)))
    return found
