"""A big license manager's usage figures, kept so their pages need not count 60,000 licenses each time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned


class UsageSummary(TenantOwned, Base):
    """The figures of one manager's scope as the job runner last counted them (``portal.services.reports.summary``).

    Only managers past the large-scope bar have one. Whatever changes their scope sets
    ``forgotten_at`` in its own transaction: the figures are read no more, and a count that began
    before it is not stored (the row stays, so a count running at that moment sees the mark).
    """

    __tablename__ = "usage_summary"

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    counted_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, index=True)
    figures: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)  # {} until the first count is stored
    forgotten_at: so.Mapped[dt.datetime | None]
    # When a page last asked the job runner for a count (``summary.ask``): pages ask once, not once a view.
    requested_at: so.Mapped[dt.datetime | None]
