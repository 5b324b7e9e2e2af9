"""What vendor staff do to license managers: create (or promote), orders, status, invitations.

Every action takes the acting person (``actor``) and writes exactly one audit event, on the
manager, with before and after. Invalid input raises ``Invalid`` at the form's field names
before anything is written; a state that forbids the action raises ``Conflict``. Callers
commit (the web through ``forms.submit`` and the one commit of the view).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from portal import audit, mail, webhooks
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.lists import MAX_ID
from portal.models import CustomerAccount, LicenseManager, LicenseUser, Order, OrderManager, utcnow
from portal.services.license_managers import permission_sets, queries
from portal.services.license_managers.permission_sets import PermissionSet

# How many order references an audit event of "remove from all orders" keeps by name.
AUDIT_ORDER_REFERENCES = 50


def _record(action: str, manager: LicenseManager, actor: Actor, before: dict | None, after: dict | None) -> None:
    audit.record(
        action, manager, actor=actor, before=before, after=after, customer_account_id=manager.customer_account_id
    )


def _emit(event: str, manager: LicenseManager) -> None:
    payload = {"id": manager.id, "email": manager.license_user.email, "status": manager.status}
    webhooks.emit(event, payload, vendor_account_id=manager.vendor_account_id)


def _load_all(model: Any, ids: Iterable[int], field_name: str, noun: str) -> list[Any]:
    """Rows by id inside the tenant; any id not found is refused at the field."""
    wanted = sorted(set(ids))
    usable = [i for i in wanted if 0 < i <= MAX_ID]
    found = list(db.session.scalars(sa.select(model).where(model.id.in_(usable)).order_by(model.id))) if usable else []
    missing = sorted(set(wanted) - {obj.id for obj in found})
    if missing:
        raise Invalid.at(field_name, f"Unknown {noun}: {', '.join(map(str, missing[:10]))}.")
    return found


# Creating


def create_manager(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    customer_account_id: int | None = None,
    order_ids: Iterable[int] = (),
    permission_set: PermissionSet,
    vendor_name: str,
    actor: Actor,
) -> tuple[LicenseManager, bool]:
    """Invite a manager, promoting the license user who has this email if there is one.

    Return the manager and whether an existing license user was promoted. The invitation
    mail names the vendor account (``vendor_name``).
    """
    email = email.strip().lower()
    user = queries.find_license_user(email)
    if user is not None and user.manager is not None:
        raise Invalid.at("email", f"{email} is already a license manager.")
    promoted = user is not None
    account = None
    if customer_account_id is not None:
        account = _load_all(CustomerAccount, [customer_account_id], "customer_account", "customer account")[0]
    orders = _load_all(Order, order_ids, "orders", "order")
    named = permission_sets.resolve(permission_set)
    if user is None:
        user = LicenseUser(email=email, customer_account_id=customer_account_id)
    # An existing user keeps the names they have; blank ones are filled from the form.
    user.first_name = user.first_name or first_name
    user.last_name = user.last_name or last_name
    if user.customer_account_id is None:
        user.customer_account_id = customer_account_id
    manager = LicenseManager(
        customer_account_id=customer_account_id,
        status="invited",
        permissions=permission_set.permissions,
        created_at=utcnow(),
    )
    try:
        db.session.add(user)
        db.session.flush()
        manager.license_user_id = user.id
        db.session.add(manager)
        db.session.flush()
    except IntegrityError:  # the same email invited twice at once: the database holds uniqueness
        raise Invalid.at("email", f"{email} is already a license manager.") from None
    # Set without events: the user's side of the one-to-one is not loaded and must not be.
    so.attributes.set_committed_value(manager, "license_user", user)
    permission_sets.grant(manager, permission_set)
    db.session.add_all([OrderManager(order_id=o.id, manager_id=manager.id) for o in orders])
    audit.record(
        "license_manager.created",
        manager,
        actor=actor,
        customer_account_id=customer_account_id,
        after={
            "email": user.email,
            "name": user.full_name,
            "status": manager.status,
            "customer_account": account.name if account else None,
            "promoted_license_user": promoted,
            "orders": sorted(o.reference for o in orders),
            **permission_sets.snapshot(permission_set, named),
        },
    )
    mail.send_invitation(manager, vendor_name)
    db.session.flush()
    _emit("license_manager.invited", manager)
    return manager, promoted


# Orders


def add_order(manager: LicenseManager, order_id: int | None, *, actor: Actor) -> Order:
    """Make the manager manage one more order of the vendor account."""
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id)) if order_id is not None else None
    if order is None:
        raise Invalid.at("order", "Choose an order of this account.")
    if queries.managed_order(manager, order.id) is not None:
        raise Invalid.at("order", f"{audit.describe(manager)} already manages order {order.reference}.")
    db.session.add(OrderManager(order_id=order.id, manager_id=manager.id))
    db.session.flush()
    _record("license_manager.order_added", manager, actor, None, {"order": order.reference})
    return order


def remove_order(manager: LicenseManager, order: Order, *, actor: Actor) -> Order:
    """Stop the manager managing one order."""
    db.session.execute(
        sa.delete(OrderManager).where(OrderManager.order_id == order.id, OrderManager.manager_id == manager.id)
    )
    _record("license_manager.order_removed", manager, actor, {"order": order.reference}, None)
    return order


def remove_from_all_orders(manager: LicenseManager, *, actor: Actor) -> int:
    """Stop the manager managing any order; return how many they managed."""
    managed = queries.order_count(manager, AUDIT_ORDER_REFERENCES)
    if not managed.count:
        return 0
    db.session.execute(sa.delete(OrderManager).where(OrderManager.manager_id == manager.id))
    _record(
        "license_manager.removed_from_all_orders",
        manager,
        actor,
        {"orders": managed.references, "order_count": managed.count},
        {"orders": [], "order_count": 0},
    )
    return managed.count


# Status


def disable(manager: LicenseManager, *, actor: Actor) -> LicenseManager:
    """Refuse the manager the portal and end their open sessions at once."""
    if manager.status == "disabled":
        raise Conflict(f"{audit.describe(manager)} is already disabled.")
    before = manager.status
    manager.status = "disabled"
    manager.session_version += 1
    _record("license_manager.disabled", manager, actor, {"status": before}, {"status": "disabled"})
    _emit("license_manager.disabled", manager)
    return manager


def enable(manager: LicenseManager, *, actor: Actor) -> LicenseManager:
    """Let a disabled manager back in: active if they ever signed in, invited otherwise."""
    if manager.status != "disabled":
        raise Conflict(f"{audit.describe(manager)} is not disabled.")
    manager.status = "active" if manager.last_login_at else "invited"
    _record("license_manager.enabled", manager, actor, {"status": "disabled"}, {"status": manager.status})
    return manager


def resend_invitation(manager: LicenseManager, *, vendor_name: str, actor: Actor) -> LicenseManager:
    """Mail a fresh invitation link to a manager who has not signed in yet."""
    if manager.status != "invited":
        raise Conflict(f"{audit.describe(manager)} is {manager.status}; only invited managers get an invitation.")
    before = _invitation(manager)
    mail.send_invitation(manager, vendor_name)
    _record("license_manager.invitation_resent", manager, actor, before, _invitation(manager))
    return manager


def _invitation(manager: LicenseManager) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "status": manager.shown_status,
        "invited_at": iso(manager.invited_at),
        "expires_at": iso(manager.invitation_expires_at),
    }
