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
from portal.errors import N_
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
    "license.disabled": N_("Disabled a license"),
    "license.enabled": N_("Enabled a license"),
    "license.note_changed": N_("Edited a license's note"),
    "license.reset": N_("Reset a license and all its devices"),
    "license.user_assigned": N_("Assigned a license"),
    "license.user_unassigned": N_("Unassigned a license"),
    "device.reset": N_("Reset a device"),
    "device.seat_released": N_("Released a floating seat"),
    "device.revoked": N_("Blacklisted a device"),
    "device.unrevoked": N_("Lifted a device's block"),
    "device.borrowed": N_("Borrowed a floating seat"),
    "device.activated": N_("Activated a device"),
    "device.seat_acquired": N_("Acquired a floating seat"),
    "license_user.created": N_("Added a license user"),
    "license_user.password_set": N_("Set a license user's password"),
    "user_group.created": N_("Created a user group"),
    "user_group.renamed": N_("Renamed a user group"),
    "user_group.member_added": N_("Added a group member"),
    "user_group.member_removed": N_("Removed a group member"),
    "order.created": N_("Created an order"),
    "order.manager_added": N_("Added a manager to an order"),
    "order.manager_removed": N_("Removed a manager from an order"),
    "licenses.issued": N_("Issued licenses"),
    "license_manager.created": N_("Added a license manager"),
    "license_manager.permissions_updated": N_("Changed a manager's permissions"),
    "license_manager.order_added": N_("Gave a manager an order"),
    "license_manager.order_removed": N_("Took an order from a manager"),
    "license_manager.removed_from_all_orders": N_("Took every order from a manager"),
    "license_manager.disabled": N_("Disabled a license manager"),
    "license_manager.enabled": N_("Enabled a license manager"),
    "license_manager.invitation_resent": N_("Sent an invitation again"),
    "saved_view.created": N_("Saved a view of the managers list"),
    "saved_view.renamed": N_("Renamed a saved view"),
    "saved_view.deleted": N_("Deleted a saved view"),
    "staff.signed_in": N_("Signed in"),
    "manager.signed_in": N_("Signed in"),
    "manager.password_set": N_("Set their password"),
    "manager.password_changed": N_("Changed their password"),
    "manager.locale_changed": N_("Changed their language"),
    "staff.password_changed": N_("Changed their password"),
    "staff.password_reset": N_("Set a new password from a reset link"),
    "account.two_factor_enabled": N_("Turned on two-factor sign-in"),
    "account.two_factor_disabled": N_("Turned off two-factor sign-in"),
    "account.recovery_codes_renewed": N_("Made new recovery codes"),
    "account.session_ended": N_("Ended one of their sessions"),
    "account.other_sessions_ended": N_("Ended all their other sessions"),
    "vendor.branding_changed": N_("Changed the portal's branding"),
    "vendor.staff_two_factor_required": N_("Required two-factor sign-in of staff"),
    "vendor.staff_two_factor_optional": N_("Stopped requiring two-factor sign-in of staff"),
    "license_manager.updated": N_("Edited a manager's details"),
    "license_manager.scope_updated": N_("Changed a manager's customer accounts"),
    "license_manager.user_group_added": N_("Gave a manager a user group"),
    "license_manager.user_group_removed": N_("Took a user group from a manager"),
    "license_manager.role_removed": N_("Took the manager role away"),
    "impersonation.started": N_("Started viewing the portal as a manager"),
    "impersonation.ended": N_("Stopped viewing the portal as a manager"),
}


def action_label(action: str) -> str:
    """What an action reads as on every page; an action missing from the table still reads well."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    subject, _, verb = action.partition(".")
    words = f"{verb or subject} {subject if verb else ''}".replace("_", " ").strip()
    return words[:1].upper() + words[1:]


OBJECT_TYPE_LABELS = {
    "license_manager": N_("License manager"),
    "license_user": N_("License user"),
    "order": N_("Order"),
    "license": N_("License"),
    "device": N_("Device"),
    "user_group": N_("User group"),
    "customer_account": N_("Customer account"),
    "customer": N_("Customer"),
    "product": N_("Product"),
    "staff": N_("Staff"),
    "default_permission_set": N_("Default permission set"),
    "saved_view": N_("Saved view"),
    "vendor_account": N_("Vendor account"),
}


def object_type_label(code: str) -> str:
    """What an object type reads as: 'license_manager' is 'License manager'."""
    return OBJECT_TYPE_LABELS.get(code) or code.replace("_", " ").capitalize()


# What the keys of before/after read as (marked for the portal's catalogues); others read as the key.
CHANGE_LABELS = {
    "status": N_("Status"),
    "note": N_("Note"),
    "email": N_("Email"),
    "name": N_("Name"),
    "code": N_("Code"),
    "description": N_("Description"),
    "member": N_("Member"),
    "manager": N_("Manager"),
    "user": N_("User"),
    "revoked": N_("Revoked"),
    "is_revoked": N_("Blocked"),
    "assigned_users": N_("Assigned users"),
    "times_activated": N_("Times activated"),
    "floating_in_use": N_("Floating seats in use"),
    "borrowed_until": N_("Borrowed until"),
    "transfer_count": N_("Transfers"),
    "is_initial_password": N_("Password to change"),
    "devices_deactivated": N_("Devices deactivated"),
    "licenses": N_("Licenses"),
    "quantity": N_("Quantity"),
    "product": N_("Product"),
    "policy": N_("Policy"),
    "permissions": N_("Permissions"),
    "orders": N_("Orders"),
    "products": N_("Products"),
    "policies": N_("Policies"),
    "locale": N_("Language"),
    "prefix": N_("Token"),
}
# Status words as events store them, marked so the portal shows them in its language.
STATUS_WORDS = (N_("active"), N_("inactive"), N_("disabled"), N_("invited"))


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
        return N_("no cap") if key == "cap" else "—"
    if isinstance(value, bool):
        return N_("yes") if value else N_("no")
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
        label = CHANGE_LABELS.get(key) or key.replace("_", " ").capitalize()
        if isinstance(old, list) or isinstance(new, list):
            change = _list_change(label, key, old or [], new or [])
            if change.is_list:
                found.append(change)
        else:
            found.append(Change(label, before=_text(key, old), after=_text(key, new)))
    return found
