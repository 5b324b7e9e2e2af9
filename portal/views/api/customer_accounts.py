"""Customer accounts (``/api/v1/customer-accounts``): the vendor's key only."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.models import CustomerAccount
from portal.services.customers import actions, queries
from portal.views.api import auth, shapes

bp = Blueprint("customer_accounts", __name__, url_prefix="/customer-accounts")
auth.guard(bp)


@bp.before_request
def _vendor_only() -> None:
    auth.require_vendor()


@bp.get("")
def index():
    """List customer accounts, newest first; ``q`` searches name and code."""
    stmt = queries.customer_accounts((request.args.get("q") or "")[:200])
    return jsonify(shapes.page(stmt, CustomerAccount, lambda rows: [shapes.customer_account(a) for a in rows]))


@bp.get("/<int:account_id>")
def detail(account_id: int):
    """Get one customer account."""
    return jsonify(shapes.customer_account(shapes.one(queries.customer_account(account_id))))


@bp.post("")
@auth.creating
def create():
    """Create a customer account."""
    data = shapes.body()
    account = actions.create_customer_account(data.get("name"), data.get("code"), actor=auth.principal().actor)
    return shapes.customer_account(account), 201
