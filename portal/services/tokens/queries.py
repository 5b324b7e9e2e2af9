"""Reads of a manager's own API tokens."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ManagerToken

TOKENS_SHOWN = 100


def tokens(manager_id: int) -> list[ManagerToken]:
    """The manager's tokens, live ones first, newest first (bounded)."""
    return list(
        db.session.scalars(
            sa.select(ManagerToken)
            .where(ManagerToken.manager_id == manager_id)
            .order_by(ManagerToken.revoked_at.is_not(None), ManagerToken.created_at.desc(), ManagerToken.id.desc())
            .limit(TOKENS_SHOWN)
        )
    )


def token(manager_id: int, token_id: int) -> ManagerToken | None:
    """One of the manager's own tokens; another manager's reads as none."""
    return db.session.scalar(
        sa.select(ManagerToken).where(ManagerToken.id == token_id, ManagerToken.manager_id == manager_id)
    )
