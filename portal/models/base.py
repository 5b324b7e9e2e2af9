"""Declarative base, naming convention and the tenant mixin."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC now: stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    # Relationships must be loaded explicitly: each one says lazy="raise" (SQLAlchemy has no
    # registry-wide default), so an accidental lazy load in a loop fails instead of becoming an N+1.


class TenantOwned:
    """Rows owned by one vendor account; every query on them is scoped by portal.tenancy."""

    vendor_account_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("vendor_account.id", ondelete="CASCADE"), index=True
    )


def created_at_column() -> so.Mapped[dt.datetime]:
    return so.mapped_column(sa.DateTime, default=utcnow, nullable=False)
