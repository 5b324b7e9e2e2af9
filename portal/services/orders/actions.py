"""Writes of the End User Portal's orders: create one (plain or bundle), add or remove a manager.

Every action takes the acting manager as an ``Actor`` for the audit log and adds and flushes
only; the caller commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit, webhooks
from portal.audit import Actor
from portal.errors import N_, Conflict, Invalid
from portal.extensions import db
from portal.models import Customer, LicenseManager, LicenseUser, Order, OrderManager, utcnow
from portal.scope import managed_order_ids
from portal.services.orders import issuing
from portal.services.orders.queries import find_order_manager, my_customers


def _new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    for _ in range(20):
        suffix = "".join(secrets.choice(alphabet) for _ in range(4))
        reference = f"ORD-{utcnow():%Y%m%d}-{suffix}"
        if not _reference_taken(reference):
            return reference
    raise RuntimeError("could not find a free order reference")


def _reference_taken(reference: str) -> bool:
    return db.session.scalar(sa.select(Order.id).where(Order.reference == reference)) is not None


def create_order(
    manager: LicenseManager,
    actor: Actor,
    reference: str = "",
    customer_id: int | None = None,
    is_trial: bool = False,
    is_test: bool = False,
    is_bundle: bool = False,
) -> Order:
    """Create an order the manager then manages; raise Invalid on a bad reference or customer."""
    reference = reference.strip()
    if reference and _reference_taken(reference):
        raise Invalid.at("reference", N_("An order with this reference already exists."))
    customer = None
    if customer_id is not None:
        customer = db.session.scalar(sa.select(Customer).where(Customer.id == customer_id, my_customers(manager)))
        if customer is None:
            raise Invalid.at("customer", N_("Choose one of your customers."))
    order = Order(
        reference=reference or _new_reference(),
        customer_id=customer_id,
        is_trial=is_trial,
        is_test=is_test,
        is_bundle=is_bundle,
        created_by_manager_id=manager.id,
    )
    try:
        with db.session.begin_nested():  # another request may have taken the reference just now
            db.session.add(order)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Invalid.at("reference", N_("An order with this reference already exists.")) from None
    db.session.add(OrderManager(order_id=order.id, manager_id=manager.id))
    audit.record(
        "order.created",
        order,
        actor=actor,
        after={
            "reference": order.reference,
            "customer": customer.email if customer else None,
            "trial": is_trial,
            "test": is_test,
            "bundle": is_bundle,
        },
    )
    payload = {"id": order.id, "reference": order.reference, "customer_id": customer_id, "bundle": is_bundle}
    webhooks.emit("order.created", payload, vendor_account_id=order.vendor_account_id)
    return order


def create_bundle_order(
    manager: LicenseManager, actor: Actor, lines: Sequence[tuple[int, int | None, int | None]], **order_fields: Any
) -> Order:
    """Create one order with licenses of several products; every line checked like issuing.

    Lines are (product_id, policy_id, quantity). All or nothing: the caller rolls back on
    Invalid or Conflict.
    """
    if len({product_id for product_id, _, _ in lines}) < 2:
        raise Invalid.at("bundle", N_("A bundle holds licenses of at least two products."))
    for i, (product_id, policy_id, _) in enumerate(lines):
        issuing.check(manager.id, product_id, policy_id, line=i)
    order = create_order(manager, actor, is_bundle=True, **order_fields)
    for i, (product_id, policy_id, quantity) in enumerate(lines):
        issuing.issue(order, manager, actor, product_id, policy_id, quantity, line=i)
    return order


def add_manager(order: Order, signer: LicenseManager, actor: Actor, email: str) -> LicenseManager:
    """Add a manager the signer works with (same organisation, or on one of their orders)."""
    colleague: sa.ColumnElement[bool] = LicenseManager.id.in_(
        sa.select(OrderManager.manager_id).where(OrderManager.order_id.in_(managed_order_ids(signer.id)))
    )
    if signer.customer_account_id is not None:
        colleague = sa.or_(colleague, LicenseManager.customer_account_id == signer.customer_account_id)
    other = db.session.scalar(
        sa.select(LicenseManager)
        .join(LicenseManager.license_user)
        .where(LicenseUser.email == email.strip().lower(), colleague, LicenseManager.status != "disabled")
        .options(so.contains_eager(LicenseManager.license_user))
    )
    # One answer for "no such manager" and "not yours to add": it does not reveal who exists.
    if other is None:
        raise Invalid.at("email", N_("No license manager you work with has this email."))
    if find_order_manager(order.id, other.id) is not None:
        raise Invalid.at("email", N_("%(email)s already manages this order.", email=other.license_user.email))
    db.session.add(OrderManager(order_id=order.id, manager_id=other.id))
    audit.record("order.manager_added", order, actor=actor, after={"manager": other.license_user.email})
    return other


def remove_manager(order: Order, signer: LicenseManager, actor: Actor, other: LicenseManager) -> LicenseManager:
    """Take a manager off an order; the signer may leave only if someone else still manages it."""
    if other.id == signer.id:
        others = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderManager)
            .join(LicenseManager, LicenseManager.id == OrderManager.manager_id)
            .where(
                OrderManager.order_id == order.id, LicenseManager.id != signer.id, LicenseManager.status != "disabled"
            )
        )
        if not others:
            raise Conflict(
                N_(
                    "You are the only manager of order %(reference)s: add another manager before you leave it.",
                    reference=order.reference,
                )
            )
    db.session.execute(
        sa.delete(OrderManager).where(OrderManager.order_id == order.id, OrderManager.manager_id == other.id)
    )
    audit.record("order.manager_removed", order, actor=actor, before={"manager": other.license_user.email})
    return other
