"""Writes for the management API that the areas do not have: the vendor creating an order.

A manager's token creates orders through ``portal.services.orders`` exactly as the portal
does (caps, allowed products and policies). An API key acts for the vendor, who sells
anything: an order of any customer, licenses of any product from one of its policies, and
the managers who manage it. All or nothing: the caller commits once, or rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from portal import audit, webhooks
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.models import Customer, License, LicenseManager, LicensePolicy, Order, OrderManager, Product
from portal.services.license_managers import actions as license_managers
from portal.services.management import queries
from portal.services.orders import actions as orders
from portal.services.orders import issuing

Line = tuple[int, int, int]  # product id, policy id, quantity


def _one(model, row_id: int | None, field: str, noun: str, line: int | None = None):
    found = db.session.scalar(sa.select(model).where(model.id == row_id)) if row_id is not None else None
    if found is None:
        raise Invalid.at(field, f"Unknown {noun}.", line)
    return found


def issue_for_vendor(order: Order, lines: Sequence[Line], actor: Actor) -> list[License]:
    """Licenses of any product from one of its policies; no manager cap applies to the vendor."""
    made: list[License] = []
    for i, (product_id, policy_id, quantity) in enumerate(lines):
        if not 1 <= quantity <= issuing.MAX_QUANTITY:
            raise Invalid.at("quantity", f"Issue between 1 and {issuing.MAX_QUANTITY} licenses at a time.", i)
        product: Product = _one(Product, product_id, "product", "product", i)
        policy: LicensePolicy = _one(LicensePolicy, policy_id, "policy", "license policy", i)
        if policy.product_id != product.id:
            raise Invalid.at("policy", f"This policy is not one of {product.name}.", i)
        licenses = issuing.add_licenses(order, product, policy, quantity, actor=actor)
        made += licenses
    return made


def create_vendor_order(
    *,
    reference: str,
    customer_id: int | None,
    is_trial: bool,
    is_test: bool,
    manager_ids: Sequence[int],
    lines: Sequence[Line],
    actor: Actor,
) -> tuple[Order, list[License]]:
    """An order made by the vendor's back office, with its licenses and managers."""
    customer = _one(Customer, customer_id, "customer_id", "customer") if customer_id is not None else None
    managers = [queries.manager(i) for i in dict.fromkeys(manager_ids)]
    if None in managers:
        raise Invalid.at("manager_ids", "Unknown license manager.")
    reference = reference.strip()
    if reference and orders._reference_taken(reference):
        raise Invalid.at("reference", "An order with this reference already exists.")
    order = Order(
        reference=reference or orders._new_reference(),
        customer_id=customer.id if customer else None,
        is_trial=is_trial,
        is_test=is_test,
        is_bundle=len({p for p, _, _ in lines}) > 1,
    )
    try:
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Invalid.at("reference", "An order with this reference already exists.") from None
    db.session.add_all([OrderManager(order_id=order.id, manager_id=m.id) for m in managers if m is not None])
    audit.record(
        "order.created",
        order,
        actor=actor,
        after={
            "reference": order.reference,
            "customer": customer.email if customer else None,
            "trial": is_trial,
            "test": is_test,
            "bundle": order.is_bundle,
            "managers": sorted(audit.describe(m) for m in managers),
        },
    )
    payload = {
        "id": order.id,
        "reference": order.reference,
        "customer_id": order.customer_id,
        "bundle": order.is_bundle,
    }
    webhooks.emit("order.created", payload, vendor_account_id=order.vendor_account_id)
    return order, issue_for_vendor(order, lines, actor)


def add_order_manager(order: Order, email: str, actor: Actor) -> LicenseManager:
    """The vendor adds any of its managers (found by email) to an order."""
    manager = queries.manager_by_email(email) if email.strip() else None
    if manager is None:
        raise Invalid.at("email", "No license manager of this account has this email.")
    license_managers.add_order(manager, order.id, actor=actor)
    return manager


def create_manager_order(
    manager: LicenseManager,
    *,
    reference: str,
    customer_id: int | None,
    is_trial: bool,
    is_test: bool,
    lines: Sequence[Line],
    actor: Actor,
) -> tuple[Order, list[License]]:
    """An order made with a manager's token: the portal's own rules (create, issue, caps)."""
    fields: dict[str, Any] = dict(reference=reference, customer_id=customer_id, is_trial=is_trial, is_test=is_test)
    if len({p for p, _, _ in lines}) > 1:
        order = orders.create_bundle_order(manager, actor, lines, **fields)
        made = list(db.session.scalars(sa.select(License).where(License.order_id == order.id)))
        return order, made
    order = orders.create_order(manager, actor, **fields)
    made = []
    for i, (product_id, policy_id, quantity) in enumerate(lines):
        made += issuing.issue(order, manager, actor, product_id, policy_id, quantity, line=i)
    return order, made


def remove_order_manager(order: Order, manager: LicenseManager, actor: Actor) -> LicenseManager:
    """The vendor takes a manager off an order (an order may be left with no manager, as on the vendor side)."""
    license_managers.remove_order(manager, order, actor=actor)
    return manager
