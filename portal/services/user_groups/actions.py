"""User groups a license manager manages: create, rename, add and remove members."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.audit import Actor
from portal.errors import N_, Invalid
from portal.extensions import db
from portal.models import LicenseManager, LicenseUser, UserGroup, UserGroupManager, UserGroupMember
from portal.services import affected
from portal.services.user_groups import queries
from portal.services.users.actions import find_or_create_user

CODE_TAKEN = N_("This code is already used by another group; choose another.")


def create(name: str, code: str, description: str, *, manager: LicenseManager, actor: Actor) -> UserGroup:
    """Create a group in the manager's organisation, with the creator as its manager."""
    code = code.strip()
    if queries.code_taken(code):
        raise Invalid.at("code", CODE_TAKEN)
    group = UserGroup(
        name=name.strip(),
        code=code,
        description=description.strip(),
        customer_account_id=manager.customer_account_id,
        created_by_manager_id=manager.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(group)
    except IntegrityError:
        raise Invalid.at("code", CODE_TAKEN) from None
    db.session.add(UserGroupManager(user_group_id=group.id, manager_id=manager.id))
    db.session.flush()
    audit.record(
        "user_group.created",
        group,
        actor=actor,
        after={"name": group.name, "code": group.code, "description": group.description},
    )
    return group


def rename(group: UserGroup, name: str, description: str, *, actor: Actor) -> UserGroup:
    """Change the group's name and description (its code stays: software may rely on it)."""
    before = {"name": group.name, "description": group.description}
    after = {"name": name.strip(), "description": description.strip()}
    if before != after:
        group.name, group.description = after["name"], after["description"]
        db.session.flush()
        audit.record("user_group.renamed", group, actor=actor, before=before, after=after)
    return group


def add_member(
    group: UserGroup, email: str, first_name: str = "", last_name: str = "", *, manager: LicenseManager, actor: Actor
) -> LicenseUser:
    """Add the license user with this email to the group, creating them for the group's customer if unknown.

    The group's customer account decides whom the email may reach (the manager's when the group has none).
    """
    account_id = group.customer_account_id if group.customer_account_id is not None else manager.customer_account_id
    user, created = find_or_create_user(
        email, first_name, last_name, customer_account_id=account_id, manager=manager, actor=actor
    )
    if not created and queries.is_member(group, user):
        raise Invalid.at("email", N_("%(email)s is already a member of this group.", email=user.email))
    try:
        with db.session.begin_nested():
            db.session.add(UserGroupMember(user_group_id=group.id, license_user_id=user.id))
    except IntegrityError:
        raise Invalid.at("email", N_("%(email)s is already a member of this group.", email=user.email)) from None
    audit.record("user_group.member_added", group, actor=actor, after={"member": user.email})
    return user


def remove_member(group: UserGroup, user: LicenseUser, *, actor: Actor) -> bool:
    """Take the user out of the group; False when they were not in it."""
    removed = db.session.execute(
        sa.delete(UserGroupMember).where(
            UserGroupMember.user_group_id == group.id, UserGroupMember.license_user_id == user.id
        )
    )
    if affected(removed) == 0:
        return False
    audit.record("user_group.member_removed", group, actor=actor, before={"member": user.email})
    return True
