"""Reads of the user group pages: the groups a manager manages, member counts, members."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.lists import Sorts, contains
from portal.models import LicenseUser, UserGroup, UserGroupMember
from portal.services.users.sorting import PERSON_SORTS

_MEMBERS = (
    sa.select(sa.func.count(UserGroupMember.license_user_id))
    .where(UserGroupMember.user_group_id == UserGroup.id)
    .correlate(UserGroup)
    .scalar_subquery()
)
GROUP_SORTS = Sorts(
    {
        "name": (UserGroup.name, UserGroup.id),
        "code": (UserGroup.code, UserGroup.id),
        "members": (_MEMBERS, UserGroup.id),
        "description": (UserGroup.description, UserGroup.id),
    },
    default="name",
)


def groups_query(group_ids: sa.Select[Any], q: str = "", sort: str = GROUP_SORTS.default) -> sa.Select[Any]:
    """The groups among these ids, matching a search, in this sort (by name)."""
    stmt = sa.select(UserGroup).where(UserGroup.id.in_(group_ids))
    if q:
        stmt = stmt.where(sa.or_(contains(UserGroup.name, q), contains(UserGroup.code, q)))
    return GROUP_SORTS.apply(stmt, sort)


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


MEMBER_SORTS = PERSON_SORTS


def members_query(group: UserGroup, sort: str = MEMBER_SORTS.default) -> sa.Select[Any]:
    """The group's members, in this sort (by email)."""
    stmt = (
        sa.select(LicenseUser)
        .join(UserGroupMember, UserGroupMember.license_user_id == LicenseUser.id)
        .where(UserGroupMember.user_group_id == group.id)
    )
    return MEMBER_SORTS.apply(stmt, sort)


def load_member(group: UserGroup, user_id: int) -> LicenseUser | None:
    """A member of the group by id, or None when the id is no member of it."""
    return db.session.scalar(members_query(group).where(LicenseUser.id == user_id))


def code_taken(code: str) -> bool:
    """Whether a group of the vendor already uses this code."""
    return db.session.scalar(sa.select(UserGroup.id).where(UserGroup.code == code)) is not None


def is_member(group: UserGroup, user: LicenseUser) -> bool:
    found = db.session.scalar(
        sa.select(UserGroupMember.user_group_id).where(
            UserGroupMember.user_group_id == group.id, UserGroupMember.license_user_id == user.id
        )
    )
    return found is not None
