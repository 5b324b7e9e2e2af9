"""Customers (``/api/v1/customers``): the vendor's to create; a manager's token reads its orders' customers."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.lists import positive_id
from portal.models import Customer
from portal.services.customers import actions, queries
from portal.services.orders.queries import my_customers
from portal.views.api import auth, shapes

bp = Blueprint("customers", __name__, url_prefix="/customers")
auth.guard(bp)


def _mine():
    manager = auth.principal().manager
    return None if manager is None else my_customers(manager)


@bp.get("")
def index():
    """List customers, newest first; ``q`` searches email and company, ``customer_account_id`` filters."""
    raw = request.args.get("customer_account_id")
    account_id = positive_id(raw)
    if raw is not None and account_id is None:
        shapes.invalid("customer_account_id", "Must be a positive integer id.")
    stmt = queries.customers(_mine(), (request.args.get("q") or "")[:200], account_id)
    return jsonify(shapes.page(stmt, Customer, lambda rows: [shapes.customer(c) for c in rows]))


@bp.get("/<int:customer_id>")
def detail(customer_id: int):
    """Get one customer."""
    return jsonify(shapes.customer(shapes.one(queries.customer(customer_id, _mine()))))


@bp.post("")
@auth.creating
def create():
    """Create a customer (vendor key only)."""
    auth.require_vendor()
    customer = actions.create_customer(shapes.body(), actor=auth.principal().actor)
    return shapes.customer(customer), 201
