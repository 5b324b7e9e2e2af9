"""What a license manager is told without asking: their digest switches and private calendar feed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned

# The kinds of notice a digest carries; each can be switched off by the manager.
EXPIRING = "expiring"
INVITATIONS = "invitations"
FLOATING = "floating"
KINDS = (EXPIRING, INVITATIONS, FLOATING)


class ManagerNotices(TenantOwned, Base):
    """One manager's notice settings; a manager without a row gets every kind (the default)."""

    __tablename__ = "manager_notices"

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    expiring: so.Mapped[bool] = so.mapped_column(default=True)
    invitations: so.Mapped[bool] = so.mapped_column(default=True)
    floating: so.Mapped[bool] = so.mapped_column(default=True)
    # SHA-256 of the calendar feed's secret; the secret itself is shown once and never stored.
    calendar_token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    calendar_created_at: so.Mapped[dt.datetime | None]
    # The day (UTC) the last digest went out, so a rerun of the daily job sends nothing twice.
    last_digest_on: so.Mapped[dt.date | None]
