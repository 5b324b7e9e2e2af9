"""Reads of a manager's own API tokens."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.lists import Sorts
from portal.models import ManagerToken

TOKEN_SORTS = Sorts(
    {
        "name": (ManagerToken.name, ManagerToken.id),
        "created": (ManagerToken.created_at, ManagerToken.id),
        "last_used": (ManagerToken.last_used_at, ManagerToken.id),
        # Live ones first, newest first within each (the id, turned around, breaks the tie).
        "status": (ManagerToken.revoked_at.is_not(None), -ManagerToken.id),
    },
    default="status",
    nulls_low=True,
)


def tokens_query(manager_id: int, sort: str = TOKEN_SORTS.default) -> sa.Select[Any]:
    """The manager's tokens, in this sort (live ones first, newest first)."""
    return TOKEN_SORTS.apply(sa.select(ManagerToken).where(ManagerToken.manager_id == manager_id), sort)


def token(manager_id: int, token_id: int) -> ManagerToken | None:
    """One of the manager's own tokens; another manager's reads as none."""
    return db.session.scalar(
        sa.select(ManagerToken).where(ManagerToken.id == token_id, ManagerToken.manager_id == manager_id)
    )
