"""Who a license manager is and what they reach: their details, their scope, the end of the role.

Each action takes the acting person (``actor``), writes one audit event with before and after
(or nothing when nothing changed) and raises ``Invalid`` at the form's field names before
anything is written. Callers commit.

The scope is what ``portal.scope`` reads: customer accounts (every order of their customers)
and user groups. Taking the role away deletes the manager, never the license user: their seats,
devices and group memberships stay, and so does the audit trail; the sign-in ends with the
role, because only a manager signs in to the End User Portal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.lists import MAX_ID
from portal.models import (
    CustomerAccount,
    LicenseManager,
    LicenseUser,
    ManagerCustomerAccount,
    OrderManager,
    SignInToken,
    UserGroup,
    UserGroupManager,
    utcnow,
)

EMAIL_MAX = 254
NAME_MAX = 100


def _record(action: str, manager: LicenseManager, actor: Actor, before: Any, after: Any) -> None:
    audit.record(
        action, manager, actor=actor, before=before, after=after, customer_account_id=manager.customer_account_id
    )


def _account(account_id: int | None, field: str) -> CustomerAccount | None:
    if account_id is None:
        return None
    found = db.session.get(CustomerAccount, account_id) if 0 < account_id <= MAX_ID else None
    if found is None:
        raise Invalid.at(field, "Choose a customer account of this vendor account.")
    return found


# Details


def edit(
    manager: LicenseManager,
    *,
    email: str,
    first_name: str,
    last_name: str,
    customer_account_id: int | None,
    actor: Actor,
) -> bool:
    """Change the manager's name, email and customer account; return whether anything changed.

    The email is the license user's and stays unique in the vendor account: another license
    user's email is refused at the field.
    """
    user = manager.license_user
    email = email.strip().lower()
    if not email or "@" not in email or len(email) > EMAIL_MAX:
        raise Invalid.at("email", "Enter an email address.")
    taken = db.session.scalar(sa.select(LicenseUser.id).where(LicenseUser.email == email, LicenseUser.id != user.id))
    if taken is not None:
        raise Invalid.at("email", f"{email} already belongs to another license user of this account.")
    account = _account(customer_account_id, "customer_account")
    old_account = db.session.get(CustomerAccount, manager.customer_account_id) if manager.customer_account_id else None
    before = {
        "email": user.email,
        "name": user.full_name,
        "customer_account": old_account.name if old_account else None,
    }
    after = {
        "email": email,
        "name": f"{first_name.strip()[:NAME_MAX]} {last_name.strip()[:NAME_MAX]}".strip(),
        "customer_account": account.name if account else None,
    }
    changed = {k for k in before if before[k] != after[k]}
    if not changed:
        return False
    user.email = email
    user.first_name, user.last_name = first_name.strip()[:NAME_MAX], last_name.strip()[:NAME_MAX]
    user.customer_account_id = manager.customer_account_id = account.id if account else None
    try:
        db.session.flush()
    except IntegrityError:  # the same email taken meanwhile: the database holds uniqueness
        raise Invalid.at("email", f"{email} already belongs to another license user of this account.") from None
    _record(
        "license_manager.updated",
        manager,
        actor,
        {k: before[k] for k in sorted(changed)},
        {k: after[k] for k in sorted(changed)},
    )
    return True


# Scope


def scoped_accounts(manager: LicenseManager) -> list[CustomerAccount]:
    """The customer accounts the manager is scoped to, by name."""
    return list(
        db.session.scalars(
            sa.select(CustomerAccount)
            .join(ManagerCustomerAccount, ManagerCustomerAccount.customer_account_id == CustomerAccount.id)
            .where(ManagerCustomerAccount.manager_id == manager.id)
            .order_by(CustomerAccount.name)
        )
    )


def set_accounts(manager: LicenseManager, account_ids: Iterable[int], *, actor: Actor) -> bool:
    """Scope the manager to exactly these customer accounts (every order of their customers)."""
    wanted = set(account_ids)
    usable = [i for i in wanted if 0 < i <= MAX_ID]
    found = list(db.session.scalars(sa.select(CustomerAccount).where(CustomerAccount.id.in_(usable)))) if usable else []
    missing = sorted(wanted - {a.id for a in found})
    if missing:
        raise Invalid.at("accounts", f"Unknown customer account: {', '.join(map(str, missing[:10]))}.")
    current = scoped_accounts(manager)
    before, after = sorted(a.name for a in current), sorted(a.name for a in found)
    if before == after:
        return False
    current_ids, found_ids = {a.id for a in current}, {a.id for a in found}
    if current_ids - found_ids:
        db.session.execute(
            sa.delete(ManagerCustomerAccount).where(
                ManagerCustomerAccount.manager_id == manager.id,
                ManagerCustomerAccount.customer_account_id.in_(current_ids - found_ids),
            )
        )
    db.session.add_all(
        ManagerCustomerAccount(manager_id=manager.id, customer_account_id=i) for i in sorted(found_ids - current_ids)
    )
    db.session.flush()
    _record(
        "license_manager.scope_updated", manager, actor, {"customer_accounts": before}, {"customer_accounts": after}
    )
    return True


def add_user_group(manager: LicenseManager, group_id: int | None, *, actor: Actor) -> UserGroup:
    """Let the manager manage one more user group of the vendor account."""
    group = db.session.get(UserGroup, group_id) if group_id and 0 < group_id <= MAX_ID else None
    if group is None:
        raise Invalid.at("user_group", "Choose a user group of this account.")
    linked = db.session.get(UserGroupManager, (group.id, manager.id))
    if linked is not None:
        raise Invalid.at("user_group", f"{audit.describe(manager)} already manages {audit.describe(group)}.")
    db.session.add(UserGroupManager(user_group_id=group.id, manager_id=manager.id))
    db.session.flush()
    _record("license_manager.user_group_added", manager, actor, None, {"user_group": group.name})
    return group


def remove_user_group(manager: LicenseManager, group: UserGroup, *, actor: Actor) -> UserGroup:
    """Stop the manager managing one user group; its members stay in it."""
    db.session.execute(
        sa.delete(UserGroupManager).where(
            UserGroupManager.user_group_id == group.id, UserGroupManager.manager_id == manager.id
        )
    )
    _record("license_manager.user_group_removed", manager, actor, {"user_group": group.name}, None)
    return group


def managed_group(manager: LicenseManager, group_id: int) -> UserGroup | None:
    """One user group the manager manages, or None."""
    return db.session.scalar(
        sa.select(UserGroup)
        .join(UserGroupManager, UserGroupManager.user_group_id == UserGroup.id)
        .where(UserGroup.id == group_id, UserGroupManager.manager_id == manager.id)
    )


def group_choices(manager: LicenseManager, limit: int = 200) -> list[UserGroup]:
    """User groups of the account the manager does not manage yet, by name (at most ``limit``)."""
    managed = sa.select(UserGroupManager.user_group_id).where(UserGroupManager.manager_id == manager.id)
    return list(
        db.session.scalars(
            sa.select(UserGroup).where(UserGroup.id.not_in(managed)).order_by(UserGroup.name).limit(limit)
        )
    )


# The end of the role


def remove_role(manager: LicenseManager, *, actor: Actor) -> LicenseUser:
    """Take the manager role away: the license user stays, with their seats; they can no longer sign in.

    Their orders, permissions, scope and tokens go with the role; an invitation link still
    unused stops working.
    """
    user = manager.license_user
    orders = db.session.scalar(sa.select(sa.func.count()).where(OrderManager.manager_id == manager.id)) or 0
    before = {
        "status": manager.shown_status,
        "permissions": manager.permission_codes,
        "order_count": orders,
        "customer_accounts": [a.name for a in scoped_accounts(manager)],
    }
    db.session.execute(
        sa.update(SignInToken)
        .where(SignInToken.license_user_id == user.id, SignInToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    _record("license_manager.role_removed", manager, actor, before, {"license_user": user.email})
    db.session.delete(manager)
    db.session.flush()
    return user
