"""Whether the portal can serve: the database answers."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db


def database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return False
    return True
