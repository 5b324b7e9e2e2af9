"""License managers: create one (or promote an existing license user), and the default set.

A manager is a license user promoted to manage. Creating one copies a permission set, a
product scope (products with optional caps) and allowed policies; the form starts from the
vendor's default set, which is copied, never linked: changing the default later leaves
existing managers as they are. Every id written into a link table is first loaded through a
tenant-scoped query, so another vendor's id is refused here even if a form let it through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit, mail
from portal import permissions as perms
from portal.extensions import db
from portal.lists import like_pattern
from portal.models import (
    Customer,
    CustomerAccount,
    DefaultPermissionSet,
    DefaultPolicy,
    DefaultProduct,
    LicenseManager,
    LicensePolicy,
    LicenseUser,
    ManagerPolicy,
    ManagerProduct,
    Order,
    OrderManager,
    Product,
    utcnow,
)

ORDER_CHOICE_LIMIT = 50


class ManagerInputError(ValueError):
    """Input the service refuses, with the form field it belongs to."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class Scope:
    """What a manager may do: permission bits, products with caps (None: no cap), policies."""

    permissions: int = perms.FACTORY_DEFAULT_BITS
    products: dict[int, int | None] = field(default_factory=dict)
    policies: list[int] = field(default_factory=list)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def catalog() -> list[Product]:
    """The account's products by name, each with its policies loaded."""
    return list(
        db.session.scalars(sa.select(Product).order_by(Product.name).options(so.selectinload(Product.policies)))
    )


def _load_all(model: type, ids: Iterable[int], field_name: str, noun: str) -> list[Any]:
    """Load rows by id inside the tenant; any id not found is refused at the field."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    found = list(db.session.scalars(sa.select(model).where(model.id.in_(wanted)).order_by(model.id)))
    missing = sorted(set(wanted) - {obj.id for obj in found})
    if missing:
        raise ManagerInputError(field_name, f"Unknown {noun}: {', '.join(map(str, missing))}.")
    return found


def existing_order_ids(ids: Iterable[int]) -> set[int]:
    """The ids among these that are orders of the account."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(db.session.scalars(sa.select(Order.id).where(Order.id.in_(wanted))))


def existing_customer_account(account_id: int) -> CustomerAccount | None:
    return db.session.scalar(sa.select(CustomerAccount).where(CustomerAccount.id == account_id))


def order_choices(
    search: str = "",
    customer_account_id: int | None = None,
    selected: Sequence[int] = (),
    limit: int = ORDER_CHOICE_LIMIT,
) -> list[Order]:
    """Orders to pick from: the selected ones first, then the newest matching ones."""
    stmt = (
        sa.select(Order)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .options(so.contains_eager(Order.customer))
    )
    picked = list(db.session.scalars(stmt.where(Order.id.in_(selected)).order_by(Order.reference))) if selected else []
    if customer_account_id:
        stmt = stmt.where(Customer.customer_account_id == customer_account_id)
    for term in search.split()[:5]:
        pattern = like_pattern(term)
        stmt = stmt.where(
            sa.or_(
                *(column.ilike(pattern, escape="\\") for column in (Order.reference, Customer.company, Customer.email))
            )
        )
    if picked:
        stmt = stmt.where(Order.id.not_in([order.id for order in picked]))
    newest = db.session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit))
    return picked + list(newest)


def _scope_objects(scope: Scope) -> tuple[list[Product], list[LicensePolicy]]:
    if any(cap is not None and cap < 0 for cap in scope.products.values()):
        raise ManagerInputError("products", "A cap must be 0 or more.")
    if scope.permissions & ~perms.ALL_BITS or scope.permissions < 0:
        raise ManagerInputError("permissions", "Unknown permission.")
    products = _load_all(Product, scope.products, "products", "product")
    policies = _load_all(LicensePolicy, scope.policies, "policies", "license policy")
    return products, policies


def scope_snapshot(
    permissions: int, products: Sequence[Product], caps: dict[int, int | None], policies: Sequence[LicensePolicy]
) -> dict[str, Any]:
    """A scope as the audit log shows it: codes and names, not only ids."""
    return {
        "permissions": perms.to_codes(permissions),
        "products": [{"product": p.name, "cap": caps.get(p.id)} for p in sorted(products, key=lambda p: p.name)],
        "policies": sorted(p.name for p in policies),
    }


def find_license_user(email: str) -> LicenseUser | None:
    """The account's license user with this email, with their manager row (if any) loaded."""
    return db.session.scalar(
        sa.select(LicenseUser)
        .where(LicenseUser.email == normalize_email(email))
        .options(so.selectinload(LicenseUser.manager))
    )


def create_manager(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    customer_account_id: int | None = None,
    order_ids: Iterable[int] = (),
    scope: Scope,
    vendor_name: str,
) -> tuple[LicenseManager, bool]:
    """Create an invited manager, promoting the license user who has this email if there is one.

    Return the manager and whether an existing license user was promoted.
    """
    email = normalize_email(email)
    user = find_license_user(email)
    if user is not None and user.manager is not None:
        raise ManagerInputError("email", f"{email} is already a license manager.")
    promoted = user is not None
    if user is None:
        user = LicenseUser(
            email=email, first_name=first_name, last_name=last_name, customer_account_id=customer_account_id
        )
    manager = promote(
        user,
        first_name=first_name,
        last_name=last_name,
        customer_account_id=customer_account_id,
        order_ids=order_ids,
        scope=scope,
        vendor_name=vendor_name,
        promoted=promoted,
    )
    return manager, promoted


def promote(
    user: LicenseUser,
    *,
    first_name: str = "",
    last_name: str = "",
    customer_account_id: int | None = None,
    order_ids: Iterable[int] = (),
    scope: Scope,
    vendor_name: str,
    promoted: bool = True,
) -> LicenseManager:
    """Make a license user an invited manager with this scope and these orders; mail the invitation.

    An existing user keeps the names they have; blank ones are filled from the form.
    """
    account = None
    if customer_account_id is not None:
        account = _load_all(CustomerAccount, [customer_account_id], "customer_account", "customer account")[0]
    orders = _load_all(Order, order_ids, "orders", "order")
    products, policies = _scope_objects(scope)
    user.first_name = user.first_name or first_name
    user.last_name = user.last_name or last_name
    if user.customer_account_id is None:
        user.customer_account_id = customer_account_id
    db.session.add(user)
    db.session.flush()
    manager = LicenseManager(
        license_user_id=user.id,
        customer_account_id=customer_account_id,
        status="invited",
        permissions=scope.permissions,
        created_at=utcnow(),
    )
    db.session.add(manager)
    db.session.flush()
    # Set without events: the user's side of the one-to-one is not loaded and must not be.
    so.attributes.set_committed_value(manager, "license_user", user)
    db.session.add_all(
        [ManagerProduct(manager_id=manager.id, product_id=p.id, cap=scope.products.get(p.id)) for p in products]
    )
    db.session.add_all([ManagerPolicy(manager_id=manager.id, policy_id=p.id) for p in policies])
    db.session.add_all([OrderManager(order_id=o.id, manager_id=manager.id) for o in orders])
    audit.record(
        "license_manager.created",
        manager,
        customer_account_id=customer_account_id,
        after={
            "email": user.email,
            "name": user.full_name,
            "status": manager.status,
            "customer_account": account.name if account else None,
            "promoted_license_user": promoted,
            "orders": sorted(o.reference for o in orders),
            **scope_snapshot(scope.permissions, products, scope.products, policies),
        },
    )
    mail.send_invitation(manager, vendor_name)
    db.session.flush()
    return manager


def default_set() -> DefaultPermissionSet:
    """The account's default set with its products and policies; the factory default if none yet.

    A missing set is returned unsaved; update_default_set adds it.
    """
    found = db.session.scalar(
        sa.select(DefaultPermissionSet).options(
            so.selectinload(DefaultPermissionSet.products), so.selectinload(DefaultPermissionSet.policies)
        )
    )
    if found is None:
        found = DefaultPermissionSet(permissions=perms.FACTORY_DEFAULT_BITS)
        so.attributes.set_committed_value(found, "products", [])
        so.attributes.set_committed_value(found, "policies", [])
    return found


def default_scope(default: DefaultPermissionSet | None = None) -> Scope:
    """The default set as a Scope: what a new manager's form starts from."""
    default = default or default_set()
    return Scope(
        permissions=default.permissions,
        products={row.product_id: row.cap for row in default.products},
        policies=sorted(row.policy_id for row in default.policies),
    )


def _snapshot_of(scope: Scope) -> dict[str, Any]:
    products, policies = _scope_objects(scope)
    return scope_snapshot(scope.permissions, products, scope.products, policies)


def update_default_set(scope: Scope, default: DefaultPermissionSet | None = None) -> bool:
    """Replace the default set (for managers created from now on); return whether it changed."""
    default = default or default_set()
    before_scope = default_scope(default)
    after = _snapshot_of(scope)
    before = _snapshot_of(before_scope)
    if before == after:
        return False
    default.permissions = scope.permissions
    default.updated_at = utcnow()
    kept = {row.product_id: row for row in default.products}
    for product_id, row in kept.items():
        if product_id in scope.products:
            row.cap = scope.products[product_id]
        else:
            default.products.remove(row)
    default.products.extend(
        DefaultProduct(product_id=pid, cap=cap) for pid, cap in scope.products.items() if pid not in kept
    )
    kept_policies = {row.policy_id: row for row in default.policies}
    for policy_id, row in kept_policies.items():
        if policy_id not in scope.policies:
            default.policies.remove(row)
    default.policies.extend(
        DefaultPolicy(policy_id=pid) for pid in sorted(set(scope.policies)) if pid not in kept_policies
    )
    db.session.add(default)
    db.session.flush()
    audit.record(
        "default_permissions.updated",
        default,
        before=before,
        after=after,
        object_type="default_permission_set",
        object_label="Default permission set",
    )
    return True
