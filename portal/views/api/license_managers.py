"""License managers (``/api/v1/license-managers``): create/invite, permissions, orders, disable. Vendor key only."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal import permissions as perms
from portal.models import LicenseManager
from portal.services.license_managers import actions, permission_sets
from portal.services.license_managers.permission_sets import PermissionSet
from portal.services.management import queries
from portal.views.api import auth, shapes

bp = Blueprint("license_managers", __name__, url_prefix="/license-managers")
auth.guard(bp)
STATUSES = ("invited", "active", "disabled")


@bp.before_request
def _vendor_only() -> None:
    auth.require_vendor()


def _load(manager_id: int) -> LicenseManager:
    found: LicenseManager = shapes.one(queries.manager(manager_id))
    return found


def _answer(manager: LicenseManager) -> dict:
    return shapes.managers([manager])[0]


def _permission_set(data: dict, default: PermissionSet) -> PermissionSet:
    """The set in a body; what it leaves out comes from ``default``."""
    codes = shapes.strings(data, "permissions") if "permissions" in data else perms.to_codes(default.permissions)
    unknown = [c for c in codes if c not in perms.BY_CODE]
    if unknown:
        shapes.invalid("permissions", f"Unknown permission: {', '.join(unknown[:5])}.")
    products = default.products
    if "products" in data:
        raw = data["products"]
        if not isinstance(raw, list) or len(raw) > 100 or not all(isinstance(p, dict) for p in raw):
            shapes.invalid("products", "A list of objects with product_id and cap (null: no cap).")
        products = {shapes.integer(p, "product_id", True) or 0: p.get("cap") for p in raw}
        if any(cap is not None and type(cap) is not int for cap in products.values()):
            shapes.invalid("products", "A cap is an integer or null.")
    policies = shapes.ids(data, "policy_ids") if "policy_ids" in data else list(default.policies)
    return PermissionSet.of(codes, products, policies)


@bp.get("")
def index():
    """List license managers, newest first; ``status`` filters."""
    status = request.args.get("status", "")
    stmt = queries.managers(status if status in STATUSES else "")
    return jsonify(shapes.page(stmt, LicenseManager, shapes.managers))


@bp.get("/<int:manager_id>")
def detail(manager_id: int):
    """Get one license manager with their permissions and orders."""
    return jsonify(_answer(_load(manager_id)))


@bp.post("")
@auth.creating
def create():
    """Invite a license manager (promoting the license user with this email); the default set unless given."""
    data = shapes.body()
    chosen = _permission_set(data, permission_sets.of_default(permission_sets.default_set()))
    manager, _ = actions.create_manager(
        email=shapes.text(data, "email", 254),
        first_name=shapes.text(data, "first_name", 100),
        last_name=shapes.text(data, "last_name", 100),
        customer_account_id=shapes.integer(data, "customer_account_id"),
        order_ids=shapes.ids(data, "order_ids"),
        permission_set=chosen,
        vendor_name=queries.vendor_name(),
        actor=auth.principal().actor,
    )
    return _answer(manager), 201


@bp.put("/<int:manager_id>/permissions")
def permissions(manager_id: int):
    """Replace a manager's permissions, products (with caps) and policies; left-out parts are kept."""
    manager = _load(manager_id)
    chosen = _permission_set(shapes.body(), permission_sets.of_manager(manager))
    permission_sets.save_for_manager(manager, chosen, actor=auth.principal().actor)
    auth.commit()
    return jsonify(_answer(manager))


@bp.post("/<int:manager_id>/orders")
def orders(manager_id: int):
    """Assign the manager to one more order (``order_id``)."""
    manager = _load(manager_id)
    actions.add_order(manager, shapes.integer(shapes.body(), "order_id", True), actor=auth.principal().actor)
    auth.commit()
    return jsonify(_answer(manager))


@bp.delete("/<int:manager_id>/orders/<int:order_id>")
def remove_order(manager_id: int, order_id: int):
    """Take an order from the manager."""
    manager = _load(manager_id)
    order = shapes.one(queries.order(queries.managed_by(manager.id), order_id))
    actions.remove_order(manager, order, actor=auth.principal().actor)
    auth.commit()
    return jsonify(_answer(manager))


@bp.post("/<int:manager_id>/disable")
def disable(manager_id: int):
    """Disable a manager: no sign-in, their tokens stop working."""
    manager = actions.disable(_load(manager_id), actor=auth.principal().actor)
    auth.commit()
    return jsonify(_answer(manager))


@bp.post("/<int:manager_id>/enable")
def enable(manager_id: int):
    """Enable a disabled manager."""
    manager = actions.enable(_load(manager_id), actor=auth.principal().actor)
    auth.commit()
    return jsonify(_answer(manager))
