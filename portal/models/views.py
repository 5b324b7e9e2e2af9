"""How staff work in a list: saved views (shared in the account), column choices (per person), bulk runs.

A bulk run is the stored progress record of one bulk action over a selection of managers: the
request that starts it snapshots the selection into ``BulkRunItem`` rows, and the items are
applied in chunks (in the request for a few, by the job runner for many), each with its own
outcome, so the answer reports item by item and a long run shows how far it got.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql

from portal.models.base import Base, TenantOwned, created_at_column, utcnow

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BULK_STATUSES = ("queued", "running", "finished")
BULK_OUTCOMES = ("done", "skipped")


class SavedView(TenantOwned, Base):
    """A named query of a list (its filters and sort), shared by the vendor account's staff."""

    __tablename__ = "saved_view"
    __table_args__ = (sa.UniqueConstraint("vendor_account_id", "list_name", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    list_name: so.Mapped[str] = so.mapped_column(sa.String(40), default="license_managers")
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    # The list's query string as the list itself builds it (``OverviewQuery.url``'s part after ``?``).
    query: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: so.Mapped[dt.datetime] = created_at_column()
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow, nullable=False)


class ColumnChoice(TenantOwned, Base):
    """The columns one staff member chose to see in a list."""

    __tablename__ = "column_choice"

    staff_user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    list_name: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    columns: so.Mapped[list[str]] = so.mapped_column(JSON)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow, nullable=False)


class BulkRun(TenantOwned, Base):
    """One bulk action over a selection of license managers, and how far it got."""

    __tablename__ = "bulk_run"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'running', 'finished')", name="status"),
        sa.Index("ix_bulk_run_vendor_created", "vendor_account_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(30))
    params: so.Mapped[dict[str, Any]] = so.mapped_column(JSON, default=dict)
    staff_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    actor_ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    total: so.Mapped[int] = so.mapped_column(default=0)
    done: so.Mapped[int] = so.mapped_column(default=0)
    skipped: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = created_at_column()
    finished_at: so.Mapped[dt.datetime | None]

    @property
    def processed(self) -> int:
        return self.done + self.skipped

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)


class BulkRunItem(Base):
    """One manager of a bulk run: pending (no outcome yet), done, or skipped with the reason.

    Reached only through its run (which tenancy scopes); the manager's email is kept as it was,
    so the report still reads well if the manager goes.
    """

    __tablename__ = "bulk_run_item"
    __table_args__ = (sa.CheckConstraint("outcome IS NULL OR outcome IN ('done', 'skipped')", name="outcome"),)

    run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("bulk_run.id", ondelete="CASCADE"), primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    label: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    message: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
