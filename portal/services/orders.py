"""A license manager's orders: pages of them, creating one (plain or bundle), their managers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit
from portal.errors import Invalid
from portal.extensions import db
from portal.lists import Page, contains, paginate
from portal.models import (
    Customer,
    License,
    LicenseManager,
    LicenseUser,
    Order,
    OrderManager,
    utcnow,
)
from portal.scope import managed_order_ids
from portal.services import issuing

MANAGERS_SHOWN = 100
CUSTOMER_CHOICES = 500


class LastManager(Exception):
    """Removing this manager would leave the order with no one to manage it (409)."""


def orders_page(manager_id: int, q: str, number: int) -> Page:
    """A page of the orders a manager manages, newest first, optionally searched by reference."""
    stmt = (
        sa.select(Order)
        .where(Order.id.in_(managed_order_ids(manager_id)))
        .order_by(Order.created_at.desc(), Order.id.desc())
    )
    if q:
        stmt = stmt.where(contains(Order.reference, q))
    return paginate(stmt, number, options=[so.joinedload(Order.customer)])


def license_counts(order_ids: Sequence[int]) -> dict[int, int]:
    """How many licenses each of these orders holds, in one GROUP BY."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        sa.select(License.order_id, sa.func.count(License.id))
        .where(License.order_id.in_(order_ids))
        .group_by(License.order_id)
    )
    return {order_id: count for order_id, count in rows}


def licenses_page(order_id: int, number: int) -> Page:
    """A page of the order's licenses, newest first, with product and policy."""
    stmt = sa.select(License).where(License.order_id == order_id).order_by(License.created_at.desc(), License.id.desc())
    return paginate(stmt, number, options=[so.joinedload(License.product), so.joinedload(License.policy)])


def _my_customers(manager: LicenseManager) -> sa.ColumnElement[bool]:
    """Customers of the manager's orders, or of the manager's organisation."""
    of_orders = sa.select(Order.customer_id).where(Order.id.in_(managed_order_ids(manager.id)))
    mine = Customer.id.in_(of_orders)
    if manager.customer_account_id is not None:
        mine = sa.or_(mine, Customer.customer_account_id == manager.customer_account_id)
    return mine


def customer_choices(manager: LicenseManager) -> list[Customer]:
    """Customers a manager may put on a new order (at most CUSTOMER_CHOICES), by email."""
    return list(
        db.session.scalars(
            sa.select(Customer).where(_my_customers(manager)).order_by(Customer.email).limit(CUSTOMER_CHOICES)
        )
    )


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
    reference: str = "",
    customer_id: int | None = None,
    is_trial: bool = False,
    is_test: bool = False,
    is_bundle: bool = False,
) -> Order:
    """Create an order the manager then manages; raise FieldError on a bad reference or customer."""
    reference = reference.strip()
    if reference and _reference_taken(reference):
        raise Invalid.at("reference", "An order with this reference already exists.")
    customer = None
    if customer_id is not None:
        customer = db.session.scalar(sa.select(Customer).where(Customer.id == customer_id, _my_customers(manager)))
        if customer is None:
            raise Invalid.at("customer", "Choose one of your customers.")
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
        raise Invalid.at("reference", "An order with this reference already exists.") from None
    db.session.add(OrderManager(order_id=order.id, manager_id=manager.id))
    audit.record(
        "order.created",
        order,
        after={
            "reference": order.reference,
            "customer": customer.email if customer else None,
            "trial": is_trial,
            "test": is_test,
            "bundle": is_bundle,
        },
    )
    return order


def create_bundle_order(manager: LicenseManager, lines: Sequence[tuple[int, int, int]], **order_fields: Any) -> Order:
    """Create one order with licenses of several products; every line checked like issuing.

    Lines are (product_id, policy_id, quantity). All or nothing: the caller rolls back on
    FieldError or CapReached.
    """
    if len({product_id for product_id, _, _ in lines}) < 2:
        raise Invalid.at("lines", "A bundle holds licenses of at least two products.")
    for i, (product_id, policy_id, _) in enumerate(lines):
        issuing.check(manager.id, product_id, policy_id, line=i)
    order = create_order(manager, is_bundle=True, **order_fields)
    for i, (product_id, policy_id, quantity) in enumerate(lines):
        issuing.issue(order, manager, product_id, policy_id, quantity, line=i)
    return order


def order_managers(order_id: int) -> list[LicenseManager]:
    """The managers of an order (at most MANAGERS_SHOWN), by email."""
    return list(
        db.session.scalars(
            sa.select(LicenseManager)
            .join(OrderManager, OrderManager.manager_id == LicenseManager.id)
            .join(LicenseManager.license_user)
            .where(OrderManager.order_id == order_id)
            .options(so.contains_eager(LicenseManager.license_user))
            .order_by(LicenseUser.email)
            .limit(MANAGERS_SHOWN)
        )
    )


def find_order_manager(order_id: int, manager_id: int) -> LicenseManager | None:
    return db.session.scalar(
        sa.select(LicenseManager)
        .join(OrderManager, OrderManager.manager_id == LicenseManager.id)
        .where(OrderManager.order_id == order_id, LicenseManager.id == manager_id)
        .options(so.joinedload(LicenseManager.license_user))
    )


def add_manager(order: Order, signer: LicenseManager, email: str) -> LicenseManager:
    """Add a manager the signer works with (same organisation, or on one of their orders)."""
    colleague = LicenseManager.id.in_(
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
        raise Invalid.at("email", "No license manager you work with has this email.")
    if find_order_manager(order.id, other.id) is not None:
        raise Invalid.at("email", f"{other.license_user.email} already manages this order.")
    db.session.add(OrderManager(order_id=order.id, manager_id=other.id))
    audit.record("order.manager_added", order, after={"manager": other.license_user.email})
    return other


def remove_manager(order: Order, signer: LicenseManager, other: LicenseManager) -> None:
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
            raise LastManager(
                f"You are the only manager of order {order.reference}: add another manager before you leave it."
            )
    db.session.execute(
        sa.delete(OrderManager).where(OrderManager.order_id == order.id, OrderManager.manager_id == other.id)
    )
    audit.record("order.manager_removed", order, before={"manager": other.license_user.email})
