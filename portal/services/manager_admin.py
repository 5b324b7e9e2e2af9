"""What vendor staff change on one license manager: permission set and scope, orders, status.

Each change writes exactly one audit event, on the manager, with before and after. Invalid
input raises ``InvalidInput`` (messages keyed by form field) before anything is written;
a state that forbids the action raises ``Conflict``. Callers commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit
from portal import permissions as perms
from portal.extensions import db
from portal.mail import send_invitation
from portal.models import (
    License,
    LicenseManager,
    LicensePolicy,
    ManagerPolicy,
    ManagerProduct,
    Order,
    OrderManager,
    Product,
)

# How many order references an audit event of "remove from all orders" keeps by name.
AUDIT_ORDER_REFERENCES = 50


class InvalidInput(ValueError):
    """Input that cannot be saved; ``errors`` maps a form field name to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = dict(errors)


class Conflict(RuntimeError):
    """The manager's current state does not allow the action (answered with 409)."""


def cap_field(product_id: int) -> str:
    """The form field holding a product's cap; errors about the cap are keyed by it."""
    return f"cap-{product_id}"


def _record(action: str, manager: LicenseManager, before: dict | None, after: dict | None) -> None:
    audit.record(action, manager, before=before, after=after, customer_account_id=manager.customer_account_id)


# Permission set and product scope


def _scope_rows(manager: LicenseManager) -> tuple[list[ManagerProduct], list[ManagerPolicy]]:
    products = db.session.scalars(
        sa.select(ManagerProduct)
        .join(ManagerProduct.product)
        .where(ManagerProduct.manager_id == manager.id)
        .options(so.contains_eager(ManagerProduct.product))
        .order_by(Product.name)
    ).all()
    policies = db.session.scalars(
        sa.select(ManagerPolicy)
        .join(ManagerPolicy.policy)
        .where(ManagerPolicy.manager_id == manager.id)
        .options(so.contains_eager(ManagerPolicy.policy))
        .order_by(LicensePolicy.name)
    ).all()
    return list(products), list(policies)


def _state(
    bits: int, products: Iterable[tuple[Product, int | None]], policies: Iterable[LicensePolicy]
) -> dict[str, Any]:
    """The permission set as the audit log keeps it (the shape the create and default-set
    events use): codes, products by name with caps, policy names."""
    return {
        "permissions": perms.to_codes(bits),
        "products": [{"product": p.name, "cap": cap} for p, cap in sorted(products, key=lambda pc: pc[0].name)],
        "policies": sorted(p.name for p in policies),
    }


def _issued_by(manager: LicenseManager, product_ids: Iterable[int]) -> dict[int, int]:
    """Licenses this manager issued per product: the count a newly allowed product starts from."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(License.product_id, sa.func.count())
        .where(License.issued_by_manager_id == manager.id, License.product_id.in_(ids))
        .group_by(License.product_id)
    )
    return dict(rows.tuples().all())


def _load_by_ids(model, ids: set[int], field: str, noun: str, errors: dict) -> dict[int, Any]:
    """Load ids inside the vendor account; another vendor's id reads as unknown."""
    found = {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}
    missing = sorted(ids - found.keys())
    if missing:
        errors.setdefault(field, []).append(
            f"Unknown {noun}{'s' if len(missing) > 1 else ''}: {', '.join(map(str, missing))}."
        )
    return found


def _check_caps(
    caps: Mapping[int, int | None], issued: Mapping[int, int], products: Mapping[int, Product], errors: dict
) -> None:
    for product_id, cap in caps.items():
        if cap is None:
            continue
        if cap < 0:
            errors.setdefault(cap_field(product_id), []).append("A cap cannot be negative.")
        elif cap < issued.get(product_id, 0):
            errors.setdefault(cap_field(product_id), []).append(
                f"{issued[product_id]} licenses of {products[product_id].name} are already "
                f"issued; the cap cannot be lower."
            )


def update_permissions(
    manager: LicenseManager, codes: Iterable[str], product_caps: Mapping[int, int | None], policy_ids: Iterable[int]
) -> bool:
    """Replace the permission set, allowed products (with caps) and policies; True if changed.

    ``product_caps`` maps each allowed product id to its cap (None: no cap).
    """
    errors: dict[str, list[str]] = {}
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in perms.BY_CODE]
    if unknown:
        errors["permissions"] = [f"Unknown permission: {', '.join(unknown)}."]
    products = _load_by_ids(Product, set(product_caps), "products", "product", errors)
    policies = _load_by_ids(LicensePolicy, set(policy_ids), "policies", "license policy", errors)
    current_products, current_policies = _scope_rows(manager)
    rows = {row.product_id: row for row in current_products}
    issued = {pid: row.issued for pid, row in rows.items()}
    issued |= _issued_by(manager, (pid for pid in products if pid not in rows))
    _check_caps({pid: cap for pid, cap in product_caps.items() if pid in products}, issued, products, errors)
    if errors:
        raise InvalidInput(errors)

    bits = perms.to_bits(codes)
    before = _state(
        manager.permissions, [(r.product, r.cap) for r in current_products], [r.policy for r in current_policies]
    )
    after = _state(bits, [(products[pid], cap) for pid, cap in product_caps.items()], policies.values())
    if before == after:
        return False
    manager.permissions = bits
    _apply_products(manager, rows, product_caps, issued, products)
    _apply_policies(manager, {r.policy_id: r for r in current_policies}, set(policies))
    db.session.flush()
    _record("license_manager.permissions_updated", manager, before, after)
    return True


def _apply_products(
    manager: LicenseManager,
    rows: dict[int, ManagerProduct],
    caps: Mapping[int, int | None],
    issued: Mapping[int, int],
    products: Mapping[int, Product],
) -> None:
    for product_id, row in rows.items():
        if product_id not in caps:
            db.session.delete(row)
        elif row.cap != caps[product_id]:
            # Conditional, like issuing: a license issued meanwhile must not end up over the cap.
            cap = caps[product_id]
            stmt = sa.update(ManagerProduct).where(
                ManagerProduct.manager_id == manager.id, ManagerProduct.product_id == product_id
            )
            if cap is not None:
                stmt = stmt.where(ManagerProduct.issued <= cap)
            updated = db.session.execute(stmt.values(cap=cap).execution_options(synchronize_session=False))
            if updated.rowcount != 1:
                raise Conflict(
                    f"More licenses of {products[product_id].name} were issued "
                    "meanwhile; the cap cannot be lower than those. Nothing was saved."
                )
            so.attributes.set_committed_value(row, "cap", cap)
    for product_id, cap in caps.items():
        if product_id not in rows:
            db.session.add(
                ManagerProduct(manager_id=manager.id, product_id=product_id, cap=cap, issued=issued.get(product_id, 0))
            )


def _apply_policies(manager: LicenseManager, rows: dict[int, ManagerPolicy], wanted: set[int]) -> None:
    for policy_id, row in rows.items():
        if policy_id not in wanted:
            db.session.delete(row)
    for policy_id in wanted - rows.keys():
        db.session.add(ManagerPolicy(manager_id=manager.id, policy_id=policy_id))


# Orders


def add_order(manager: LicenseManager, order_id: int | None) -> Order:
    """Make the manager manage one more order of the vendor account."""
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id)) if order_id is not None else None
    if order is None:
        raise InvalidInput({"order": ["Choose an order of this account."]})
    already = db.session.scalar(
        sa.select(sa.func.count(OrderManager.order_id)).where(
            OrderManager.order_id == order.id, OrderManager.manager_id == manager.id
        )
    )
    if already:
        raise InvalidInput({"order": [f"{audit.describe(manager)} already manages order {order.reference}."]})
    db.session.add(OrderManager(order_id=order.id, manager_id=manager.id))
    db.session.flush()
    _record("license_manager.order_added", manager, None, {"order": order.reference})
    return order


def managed_order(manager: LicenseManager, order_id: int) -> Order | None:
    """The order, if it is of this account and the manager manages it."""
    return db.session.scalar(
        sa.select(Order)
        .join(OrderManager, OrderManager.order_id == Order.id)
        .where(Order.id == order_id, OrderManager.manager_id == manager.id)
    )


def remove_order(manager: LicenseManager, order: Order) -> None:
    """Stop the manager managing one order."""
    db.session.execute(
        sa.delete(OrderManager).where(OrderManager.order_id == order.id, OrderManager.manager_id == manager.id)
    )
    _record("license_manager.order_removed", manager, {"order": order.reference}, None)


def remove_from_all_orders(manager: LicenseManager) -> int:
    """Stop the manager managing any order; return how many they managed."""
    count = (
        db.session.scalar(sa.select(sa.func.count(OrderManager.order_id)).where(OrderManager.manager_id == manager.id))
        or 0
    )
    if not count:
        return 0
    references = db.session.scalars(
        sa.select(Order.reference)
        .join(OrderManager, OrderManager.order_id == Order.id)
        .where(OrderManager.manager_id == manager.id)
        .order_by(Order.reference)
        .limit(AUDIT_ORDER_REFERENCES)
    ).all()
    db.session.execute(sa.delete(OrderManager).where(OrderManager.manager_id == manager.id))
    _record(
        "license_manager.removed_from_all_orders",
        manager,
        {"orders": list(references), "order_count": count},
        {"orders": [], "order_count": 0},
    )
    return count


# Status


def disable(manager: LicenseManager) -> None:
    """Refuse the manager the portal and end their open sessions at once."""
    if manager.status == "disabled":
        raise Conflict(f"{audit.describe(manager)} is already disabled.")
    before = manager.status
    manager.status = "disabled"
    manager.session_version += 1
    _record("license_manager.disabled", manager, {"status": before}, {"status": "disabled"})


def enable(manager: LicenseManager) -> None:
    """Let a disabled manager back in: active if they ever signed in, invited otherwise."""
    if manager.status != "disabled":
        raise Conflict(f"{audit.describe(manager)} is not disabled.")
    manager.status = "active" if manager.last_login_at else "invited"
    _record("license_manager.enabled", manager, {"status": "disabled"}, {"status": manager.status})


def resend_invitation(manager: LicenseManager, vendor_name: str) -> None:
    """Mail a fresh invitation link to a manager who has not signed in yet."""
    if manager.status != "invited":
        raise Conflict(f"{audit.describe(manager)} is {manager.status}; only invited managers get an invitation.")
    before = manager.invited_at.isoformat() if manager.invited_at else None
    send_invitation(manager, vendor_name)
    _record(
        "license_manager.invitation_resent",
        manager,
        {"invited_at": before},
        {"invited_at": manager.invited_at.isoformat()},
    )
