"""User groups a license manager manages: create, rename, add and remove members."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import Invalid
from portal.extensions import db
from portal.lists import contains
from portal.models import LicenseUser, UserGroup, UserGroupManager, UserGroupMember
from portal.services.seats import find_or_create_user

CODE_TAKEN = "This code is already used by another group; choose another."


def groups_query(group_ids: sa.Select, q: str = "") -> sa.Select:
    """The groups among these ids, matching a search, by name."""
    stmt = sa.select(UserGroup).where(UserGroup.id.in_(group_ids))
    if q:
        stmt = stmt.where(sa.or_(contains(UserGroup.name, q), contains(UserGroup.code, q)))
    return stmt.order_by(UserGroup.name, UserGroup.id)


def member_counts(group_ids: list[int]) -> dict[int, int]:
    """Members per group, for one page of groups: one GROUP BY."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        sa.select(UserGroupMember.user_group_id, sa.func.count())
        .where(UserGroupMember.user_group_id.in_(group_ids))
        .group_by(UserGroupMember.user_group_id)
    )
    return dict(rows.tuples().all())


def members_query(group: UserGroup) -> sa.Select:
    return (
        sa.select(LicenseUser)
        .join(UserGroupMember, UserGroupMember.license_user_id == LicenseUser.id)
        .where(UserGroupMember.user_group_id == group.id)
        .order_by(LicenseUser.email)
    )


def create(name: str, code: str, description: str, manager_id: int, customer_account_id: int | None) -> UserGroup:
    """Create a group in the manager's organisation, with the creator as its manager."""
    code = code.strip()
    if db.session.scalar(sa.select(UserGroup.id).where(UserGroup.code == code)):
        raise Invalid.at("code", CODE_TAKEN)
    group = UserGroup(
        name=name.strip(),
        code=code,
        description=description.strip(),
        customer_account_id=customer_account_id,
        created_by_manager_id=manager_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(group)
    except IntegrityError:
        raise Invalid.at("code", CODE_TAKEN) from None
    db.session.add(UserGroupManager(user_group_id=group.id, manager_id=manager_id))
    db.session.flush()
    audit.record(
        "user_group.created", group, after={"name": group.name, "code": group.code, "description": group.description}
    )
    return group


def rename(group: UserGroup, name: str, description: str) -> bool:
    """Change the group's name and description (its code stays: software may rely on it)."""
    before = {"name": group.name, "description": group.description}
    after = {"name": name.strip(), "description": description.strip()}
    if before == after:
        return False
    group.name, group.description = after["name"], after["description"]
    db.session.flush()
    audit.record("user_group.renamed", group, before=before, after=after)
    return True


def add_member(
    group: UserGroup, email: str, first_name: str = "", last_name: str = "", customer_account_id: int | None = None
) -> LicenseUser:
    """Add the license user with this email to the group, creating the user if unknown."""
    user, created = find_or_create_user(email, first_name, last_name, customer_account_id)
    exists = sa.select(UserGroupMember.user_group_id).where(
        UserGroupMember.user_group_id == group.id, UserGroupMember.license_user_id == user.id
    )
    if not created and db.session.scalar(exists):
        raise Invalid.at("email", f"{user.email} is already a member of this group.")
    try:
        with db.session.begin_nested():
            db.session.add(UserGroupMember(user_group_id=group.id, license_user_id=user.id))
    except IntegrityError:
        raise Invalid.at("email", f"{user.email} is already a member of this group.") from None
    audit.record("user_group.member_added", group, after={"member": user.email})
    return user


def remove_member(group: UserGroup, user: LicenseUser) -> bool:
    """Take the user out of the group; False when they were not in it."""
    removed = db.session.execute(
        sa.delete(UserGroupMember).where(
            UserGroupMember.user_group_id == group.id, UserGroupMember.license_user_id == user.id
        )
    )
    if removed.rowcount == 0:
        return False
    audit.record("user_group.member_removed", group, before={"member": user.email})
    return True


def load_member(group: UserGroup, user_id: int) -> LicenseUser | None:
    """A member of the group by id, or None when the id is no member of it."""
    return db.session.scalar(members_query(group).where(LicenseUser.id == user_id))
