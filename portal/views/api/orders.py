"""Orders with their licenses and managers (``/api/v1/orders``), inside the caller's orders.

A manager's token asks the permissions the portal's order page asks: ``create_order`` (or
``create_bundle_order``), ``issue_license`` to issue, ``manage_managers`` to add or remove
managers; the order is loaded inside the token's orders first (404), then the permission (403).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from portal.models import License, LicenseManager, Order
from portal.services.management import actions, queries
from portal.services.orders import actions as manager_actions
from portal.services.orders import issuing
from portal.services.orders.queries import find_order_manager
from portal.views.api import auth, shapes

bp = Blueprint("orders", __name__, url_prefix="/orders")
auth.guard(bp)


def _load(order_id: int) -> Order:
    found: Order = shapes.one(queries.order(auth.principal().order_ids, order_id))
    return found


def _line(line: dict) -> tuple[int, int, int]:
    return (
        shapes.integer(line, "product_id", True) or 0,
        shapes.integer(line, "policy_id", True) or 0,
        shapes.integer(line, "quantity", True) or 0,
    )


def _lines(data: dict) -> list[tuple[int, int, int]]:
    raw = data.get("licenses", [])
    if not isinstance(raw, list) or len(raw) > 20 or not all(isinstance(line, dict) for line in raw):
        shapes.invalid("licenses", "A list of at most 20 objects with product_id, policy_id and quantity.")
    return [_line(line) for line in raw]


@bp.get("")
def index():
    """List the caller's orders, newest first."""
    return jsonify(shapes.page(queries.orders(auth.principal().order_ids), Order, shapes.orders))


@bp.get("/<int:order_id>")
def detail(order_id: int):
    """Get one order."""
    return jsonify(shapes.orders([_load(order_id)])[0])


@bp.get("/<int:order_id>/licenses")
def licenses(order_id: int):
    """List an order's licenses, newest first."""
    return jsonify(shapes.page(queries.order_licenses(_load(order_id).id), License, shapes.licenses))


@bp.post("")
@auth.creating
def create():
    """Create an order with its licenses: a vendor key sells anything, a token follows the portal's rules."""
    data = shapes.body()
    who = auth.principal()
    fields: dict[str, Any] = dict(
        reference=shapes.text(data, "reference", 64),
        customer_id=shapes.integer(data, "customer_id"),
        is_trial=shapes.flag(data, "is_trial"),
        is_test=shapes.flag(data, "is_test"),
        lines=_lines(data),
        actor=who.actor,
    )
    if who.manager is None:
        order, made = actions.create_vendor_order(manager_ids=shapes.ids(data, "manager_ids"), **fields)
    else:
        # The portal's two ways: a bundle order (create_bundle_order, which issues its lines), or an
        # order (create_order) whose licenses are then issued (issue_license).
        if len({p for p, _, _ in fields["lines"]}) > 1:
            auth.require("create_bundle_order")
        else:
            auth.require("create_order")
            if fields["lines"]:
                auth.require("issue_license")
        order, made = actions.create_manager_order(who.manager, **fields)
    return {**shapes.orders([order])[0], "licenses": shapes.licenses(made)}, 201


@bp.post("/<int:order_id>/licenses")
@auth.creating
def issue(order_id: int):
    """Issue licenses into an order (issue_license): a token within its products, policies and caps."""
    order = _load(order_id)
    who = auth.principal()
    auth.require("issue_license")
    product_id, policy_id, quantity = _line(shapes.body())
    if who.manager is None:
        made = actions.issue_for_vendor(order, [(product_id, policy_id, quantity)], who.actor)
    else:
        made = issuing.issue(order, who.manager, who.actor, product_id, policy_id, quantity)
    return {"order_id": order.id, "licenses": shapes.licenses(made)}, 201


@bp.get("/<int:order_id>/managers")
def managers(order_id: int):
    """List the managers of an order."""
    stmt = queries.order_managers(_load(order_id).id)
    return jsonify(shapes.page(stmt, LicenseManager, shapes.order_managers))


@bp.post("/<int:order_id>/managers")
def add_manager(order_id: int):
    """Add a license manager (by ``email``) to an order (manage_managers): a token, one it works with."""
    order = _load(order_id)
    who = auth.principal()
    auth.require("manage_managers")
    email = shapes.text(shapes.body(), "email", 254)
    if who.manager is None:
        added = actions.add_order_manager(order, email, who.actor)
    else:
        added = manager_actions.add_manager(order, who.manager, who.actor, email)
    auth.commit()
    return jsonify(shapes.order_managers([added])[0])


@bp.delete("/<int:order_id>/managers/<int:manager_id>")
def remove_manager(order_id: int, manager_id: int):
    """Take a manager off an order (manage_managers); a token's own manager only if another remains."""
    order = _load(order_id)
    other: LicenseManager = shapes.one(find_order_manager(order.id, manager_id))
    who = auth.principal()
    auth.require("manage_managers")
    if who.manager is None:
        actions.remove_order_manager(order, other, who.actor)
    else:
        manager_actions.remove_manager(order, who.manager, who.actor, other)
    auth.commit()
    return jsonify(shapes.order_managers([other])[0])
