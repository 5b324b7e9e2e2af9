"""The one writer of permission sets: a new manager's, the vendor's default set, a manager's own.

A permission set is the permission bits, the products a manager may issue (each with an
optional cap) and the license policies they may issue from. Every id is loaded inside the
vendor account before it is linked (another vendor's id reads as unknown), every cap obeys
one rule (0 or more, at most MAX_CAP, never below what the manager already issued), and
every change is audited in one shape: codes, products by name with caps, policy names.
Refusals are ``Invalid`` at the form's field names (``permissions``, ``products``,
``cap-<product id>``, ``policies``); a cap undercut by licenses issued meanwhile is a ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit
from portal import permissions as perms
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.lists import MAX_ID
from portal.models import (
    DefaultPermissionSet,
    DefaultPolicy,
    DefaultProduct,
    License,
    LicenseManager,
    LicensePolicy,
    ManagerPolicy,
    ManagerProduct,
    Product,
    utcnow,
)
from portal.services import affected

MAX_CAP = 1_000_000
CAP_MESSAGE = "A cap must be 0 or more."


@dataclass(frozen=True)
class PermissionSet:
    """What a manager may do: permission bits, products with caps (None: no cap), policies."""

    permissions: int = perms.FACTORY_DEFAULT_BITS
    products: Mapping[int, int | None] = field(default_factory=dict)
    policies: tuple[int, ...] = ()

    @classmethod
    def of(cls, codes: Iterable[str], products: Mapping[int, int | None], policies: Iterable[int]) -> PermissionSet:
        return cls(perms.to_bits(list(codes)), dict(products), tuple(sorted(set(policies))))


@dataclass(frozen=True)
class Named:
    """The products and policies a set names, loaded inside the vendor account."""

    products: dict[int, Product]
    policies: dict[int, LicensePolicy]


def cap_field(product_id: int) -> str:
    """The form field holding a product's cap; messages about the cap are keyed by it."""
    return f"cap-{product_id}"


def _load(model: Any, ids: Iterable[int], field_name: str, noun: str, errors: dict[str, list[str]]) -> dict[int, Any]:
    """Rows by id inside the vendor account; an id not found (or too big to exist) is unknown."""
    wanted = set(ids)
    usable = [i for i in wanted if 0 < i <= MAX_ID]
    found = {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(usable)))} if usable else {}
    missing = sorted(wanted - found.keys())
    if missing:
        plural = "s" if len(missing) > 1 else ""
        errors.setdefault(field_name, []).append(f"Unknown {noun}{plural}: {', '.join(map(str, missing[:10]))}.")
    return found


def _cap_problem(cap: int | None, issued: int, product: Product) -> str | None:
    if cap is None:
        return None
    if cap < 0:
        return CAP_MESSAGE
    if cap > MAX_CAP:
        return f"A cap must be at most {MAX_CAP:,}."
    if cap < issued:
        return f"{issued} licenses of {product.name} are already issued; the cap cannot be lower."
    return None


def resolve(chosen: PermissionSet, issued: Mapping[int, int] | None = None, *also: PermissionSet) -> Named:
    """Check a set against the vendor account and load what it names (and what ``also`` names).

    ``issued`` holds the licenses the manager already issued per product, which a cap may not undercut.
    """
    errors: dict[str, list[str]] = {}
    if chosen.permissions < 0 or chosen.permissions & ~perms.ALL_BITS:
        errors["permissions"] = ["Unknown permission."]
    products = _load(Product, chosen.products, "products", "product", errors)
    policies = _load(LicensePolicy, chosen.policies, "policies", "license policy", errors)
    for product_id, cap in chosen.products.items():
        if product_id in products:
            problem = _cap_problem(cap, (issued or {}).get(product_id, 0), products[product_id])
            if problem:
                errors.setdefault(cap_field(product_id), []).append(problem)
    if not errors:
        _refuse_products_without_policy(products, policies, errors)
    if errors:
        raise Invalid(errors)
    extra_products = {i for s in also for i in s.products} - products.keys()
    extra_policies = {i for s in also for i in s.policies} - policies.keys()
    products |= _load(Product, extra_products, "products", "product", errors)
    policies |= _load(LicensePolicy, extra_policies, "policies", "license policy", errors)
    return Named(products, policies)


def _refuse_products_without_policy(
    products: Mapping[int, Product], policies: Mapping[int, LicensePolicy], errors: dict[str, list[str]]
) -> None:
    """A product allowed with none of its policies would leave the manager an empty policy list."""
    covered = {policy.product_id for policy in policies.values()}
    bare = sorted((p for p in products.values() if p.id not in covered), key=lambda p: p.name)
    if bare:
        names = ", ".join(p.name for p in bare[:10])
        noun = "this product" if len(bare) == 1 else "each of these products"
        errors.setdefault("products", []).append(f"Allow at least one license policy of {noun}, or untick it: {names}.")


def snapshot(chosen: PermissionSet, named: Named) -> dict[str, Any]:
    """A set as the audit log keeps it: codes, products by name with caps, policy names."""
    products = sorted((named.products[i] for i in chosen.products if i in named.products), key=lambda p: p.name)
    return {
        "permissions": perms.to_codes(chosen.permissions),
        "products": [{"product": p.name, "cap": chosen.products[p.id]} for p in products],
        "policies": sorted(named.policies[i].name for i in chosen.policies if i in named.policies),
    }


# A new manager


def grant(manager: LicenseManager, chosen: PermissionSet) -> None:
    """Give a manager just created this set (checked by ``resolve``); the creation event records it."""
    manager.permissions = chosen.permissions
    db.session.add_all(
        [ManagerProduct(manager_id=manager.id, product_id=pid, cap=cap) for pid, cap in chosen.products.items()]
    )
    db.session.add_all([ManagerPolicy(manager_id=manager.id, policy_id=pid) for pid in chosen.policies])


# The vendor's default set


def default_set() -> DefaultPermissionSet:
    """The account's default set with its products and policies; the factory default, unsaved, if none yet."""
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


def default_bits() -> int:
    """The default set's permission bits alone (one small query): what "+2 / −1" compares with."""
    bits = db.session.scalar(sa.select(DefaultPermissionSet.permissions))
    return perms.FACTORY_DEFAULT_BITS if bits is None else int(bits)


def of_default(default: DefaultPermissionSet) -> PermissionSet:
    return PermissionSet(
        default.permissions,
        {row.product_id: row.cap for row in default.products},
        tuple(sorted(row.policy_id for row in default.policies)),
    )


def save_default(chosen: PermissionSet, *, actor: Actor) -> bool:
    """Replace the default set (for managers created from now on); return whether it changed."""
    default = default_set()
    current = of_default(default)
    named = resolve(chosen, None, current)
    before, after = snapshot(current, named), snapshot(chosen, named)
    if before == after:
        return False
    default.permissions = chosen.permissions
    default.updated_at = utcnow()
    kept = {row.product_id: row for row in default.products}
    for product_id, row in kept.items():
        if product_id in chosen.products:
            row.cap = chosen.products[product_id]
        else:
            default.products.remove(row)
    default.products.extend(
        DefaultProduct(product_id=pid, cap=cap) for pid, cap in chosen.products.items() if pid not in kept
    )
    kept_policies = {row.policy_id: row for row in default.policies}
    for policy_id, policy_row in kept_policies.items():
        if policy_id not in chosen.policies:
            default.policies.remove(policy_row)
    default.policies.extend(DefaultPolicy(policy_id=pid) for pid in chosen.policies if pid not in kept_policies)
    db.session.add(default)
    db.session.flush()
    audit.record(
        "default_permissions.updated",
        default,
        actor=actor,
        before=before,
        after=after,
        object_type="default_permission_set",
        object_label="Default permission set",
    )
    return True


# An existing manager's Permissions tab


def _rows(manager: LicenseManager) -> tuple[dict[int, ManagerProduct], dict[int, ManagerPolicy]]:
    products = db.session.scalars(sa.select(ManagerProduct).where(ManagerProduct.manager_id == manager.id))
    policies = db.session.scalars(sa.select(ManagerPolicy).where(ManagerPolicy.manager_id == manager.id))
    return {r.product_id: r for r in products}, {r.policy_id: r for r in policies}


def _issued_by(manager: LicenseManager, product_ids: Iterable[int]) -> dict[int, int]:
    """Licenses this manager issued per product: the count a newly allowed product starts from."""
    ids = [i for i in product_ids if 0 < i <= MAX_ID]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(License.product_id, sa.func.count())
        .where(License.issued_by_manager_id == manager.id, License.product_id.in_(ids))
        .group_by(License.product_id)
    )
    return dict(rows.tuples().all())


def _of_rows(manager: LicenseManager, products: Mapping[int, ManagerProduct], policies: Iterable[int]) -> PermissionSet:
    return PermissionSet(manager.permissions, {pid: r.cap for pid, r in products.items()}, tuple(sorted(policies)))


def of_manager(manager: LicenseManager) -> PermissionSet:
    """The manager's set as it is now."""
    return _of_rows(manager, *_rows(manager))


def save_for_manager(manager: LicenseManager, chosen: PermissionSet, *, actor: Actor) -> bool:
    """Replace a manager's set; True if it changed. It applies from their next request."""
    product_rows, policy_rows = _rows(manager)
    current = _of_rows(manager, product_rows, policy_rows)
    issued = {pid: row.issued for pid, row in product_rows.items()}
    issued |= _issued_by(manager, (pid for pid in chosen.products if pid not in product_rows))
    named = resolve(chosen, issued, current)
    before, after = snapshot(current, named), snapshot(chosen, named)
    if before == after:
        return False
    manager.permissions = chosen.permissions
    for product_id, row in product_rows.items():
        if product_id not in chosen.products:
            db.session.delete(row)
        elif row.cap != chosen.products[product_id]:
            _set_cap(manager, row, chosen.products[product_id], named.products[product_id])
    db.session.add_all(
        ManagerProduct(manager_id=manager.id, product_id=pid, cap=cap, issued=issued.get(pid, 0))
        for pid, cap in chosen.products.items()
        if pid not in product_rows
    )
    for policy_id, policy_row in policy_rows.items():
        if policy_id not in chosen.policies:
            db.session.delete(policy_row)
    db.session.add_all(
        ManagerPolicy(manager_id=manager.id, policy_id=pid) for pid in chosen.policies if pid not in policy_rows
    )
    db.session.flush()
    audit.record(
        "license_manager.permissions_updated",
        manager,
        actor=actor,
        before=before,
        after=after,
        customer_account_id=manager.customer_account_id,
    )
    return True


def _set_cap(manager: LicenseManager, row: ManagerProduct, cap: int | None, product: Product) -> None:
    # Conditional, like issuing: a license issued meanwhile must not end up over the cap.
    stmt = sa.update(ManagerProduct).where(
        ManagerProduct.manager_id == manager.id, ManagerProduct.product_id == row.product_id
    )
    if cap is not None:
        stmt = stmt.where(ManagerProduct.issued <= cap)
    updated = db.session.execute(stmt.values(cap=cap).execution_options(synchronize_session=False))
    if affected(updated) != 1:
        raise Conflict(
            f"More licenses of {product.name} were issued meanwhile; the cap cannot be lower than those. "
            "Nothing was saved."
        )
    so.attributes.set_committed_value(row, "cap", cap)
