"""Orders with their licenses (``/api/v1/orders``), inside the caller's orders."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from portal.models import License, Order
from portal.services.management import actions, queries
from portal.views.api import auth, shapes

bp = Blueprint("orders", __name__, url_prefix="/orders")
auth.guard(bp)


def _lines(data: dict) -> list[tuple[int, int, int]]:
    raw = data.get("licenses", [])
    if not isinstance(raw, list) or len(raw) > 20 or not all(isinstance(line, dict) for line in raw):
        shapes.invalid("licenses", "A list of at most 20 objects with product_id, policy_id and quantity.")
    return [
        (
            shapes.integer(line, "product_id", True) or 0,
            shapes.integer(line, "policy_id", True) or 0,
            shapes.integer(line, "quantity", True) or 0,
        )
        for line in raw
    ]


@bp.get("")
def index():
    """List the caller's orders, newest first."""
    return jsonify(shapes.page(queries.orders(auth.principal().order_ids), Order, shapes.orders))


@bp.get("/<int:order_id>")
def detail(order_id: int):
    """Get one order."""
    return jsonify(shapes.orders([shapes.one(queries.order(auth.principal().order_ids, order_id))])[0])


@bp.get("/<int:order_id>/licenses")
def licenses(order_id: int):
    """List an order's licenses, newest first."""
    order = shapes.one(queries.order(auth.principal().order_ids, order_id))
    return jsonify(shapes.page(queries.order_licenses(order.id), License, shapes.licenses))


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
        auth.require("create_bundle_order" if len({p for p, _, _ in fields["lines"]}) > 1 else "create_order")
        if fields["lines"]:
            auth.require("issue_license")
        order, made = actions.create_manager_order(who.manager, **fields)
    return {**shapes.orders([order])[0], "licenses": shapes.licenses(made)}, 201
