"""Issue licenses into an order: only allowed products and policies, never past a cap.

The cap is held by a conditional UPDATE of ``manager_product.issued`` (and a check
constraint underneath), never by reading the count first: two requests racing for the last
licenses under a cap cannot both pass, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import audit, webhooks
from portal.audit import Actor
from portal.errors import N_, Conflict, Invalid
from portal.extensions import db
from portal.models import (
    License,
    LicenseManager,
    LicensePolicy,
    ManagerPolicy,
    ManagerProduct,
    Order,
    Product,
    utcnow,
)
from portal.services import affected
from portal.services.orders.license_keys import license_from_policy, license_key

MAX_QUANTITY = 100


def check(
    manager_id: int, product_id: int | None, policy_id: int | None, line: int | None = None
) -> tuple[Product, LicensePolicy]:
    """Return the product and policy if the manager may issue them; raise Invalid if not."""
    product = (
        db.session.scalar(
            sa.select(Product)
            .join(ManagerProduct, ManagerProduct.product_id == Product.id)
            .where(Product.id == product_id, ManagerProduct.manager_id == manager_id)
        )
        if product_id
        else None
    )
    if product is None:
        raise Invalid.at("product", N_("You may not issue licenses of this product."), line)
    policy = (
        db.session.scalar(
            sa.select(LicensePolicy)
            .join(ManagerPolicy, ManagerPolicy.policy_id == LicensePolicy.id)
            .where(LicensePolicy.id == policy_id, ManagerPolicy.manager_id == manager_id)
        )
        if policy_id
        else None
    )
    if policy is None:
        raise Invalid.at("policy", N_("You may not issue licenses from this policy."), line)
    if policy.product_id != product.id:
        raise Invalid.at("policy", N_("This policy is not one of %(product)s.", product=product.name), line)
    return product, policy


def claim(manager_id: int, product: Product, quantity: int) -> None:
    """Count licenses against the manager's cap in one conditional UPDATE, or raise Conflict (409)."""
    mp = ManagerProduct
    where = (mp.manager_id == manager_id, mp.product_id == product.id)
    update = (
        sa.update(mp)
        .where(*where, sa.or_(mp.cap.is_(None), mp.issued + quantity <= mp.cap))
        .values(issued=mp.issued + quantity)
        .execution_options(synchronize_session=False)
    )
    if affected(db.session.execute(update)) == 1:
        return
    row = db.session.execute(sa.select(mp.cap, mp.issued).where(*where)).first()
    if row is None:  # the vendor took the product away a moment ago
        raise Invalid.at("product", N_("You may not issue licenses of this product."))
    left = max(row.cap - row.issued, 0)
    raise Conflict(
        N_("Cap reached: you may issue %(left)s more %(product)s licenses.", left=left, product=product.name)
    )


def issue(
    order: Order,
    manager: LicenseManager,
    actor: Actor,
    product_id: int | None,
    policy_id: int | None,
    quantity: int | None,
    line: int | None = None,
) -> list[License]:
    """Issue ``quantity`` licenses from a policy into an order; add and flush only."""
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid.at("quantity", N_("Issue between 1 and %(max)s licenses at a time.", max=MAX_QUANTITY), line)
    product, policy = check(manager.id, product_id, policy_id, line)
    claim(manager.id, product, quantity)
    return add_licenses(order, product, policy, quantity, actor=actor, issued_by_manager_id=manager.id)


def add_licenses(
    order: Order,
    product: Product,
    policy: LicensePolicy,
    quantity: int,
    *,
    actor: Actor,
    issued_by_manager_id: int | None = None,
) -> list[License]:
    """Make the licenses once the rules allow them: add, flush, audit and announce (webhook)."""
    now = utcnow()
    licenses = [
        license_from_policy(
            product,
            policy,
            now,
            order_id=order.id,
            issued_by_manager_id=issued_by_manager_id,
            license_key=license_key() if not product.is_user_based else None,
        )
        for _ in range(quantity)
    ]
    db.session.add_all(licenses)
    db.session.flush()
    audit.record(
        "licenses.issued",
        order,
        actor=actor,
        after={
            "product": product.name,
            "policy": policy.name,
            "quantity": quantity,
            "licenses": [audit.describe(lic) for lic in licenses],
        },
    )
    payload = {
        "order_id": order.id,
        "order_reference": order.reference,
        "licenses": [webhooks.license_data(lic) for lic in licenses],
    }
    webhooks.emit("licenses.issued", payload, vendor_account_id=order.vendor_account_id)
    return licenses
