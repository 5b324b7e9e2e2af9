"""Credentials for the management API: vendor API keys, managers' personal tokens, idempotent answers."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned, created_at_column

API_ACCESS = ("read", "read_write")


class ApiKey(TenantOwned, Base):
    """A vendor's key for its back office; only a hash of the secret is kept (the secret is shown once)."""

    __tablename__ = "api_key"
    __table_args__ = (
        sa.UniqueConstraint("prefix"),
        sa.CheckConstraint("access IN ('read', 'read_write')", name="access"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    # The public part of the key, found across vendors before the tenant is known.
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    access: so.Mapped[str] = so.mapped_column(sa.String(10), default="read")
    created_by_staff_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    created_by: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    created_at: so.Mapped[dt.datetime] = created_at_column()
    last_used_at: so.Mapped[dt.datetime | None]
    revoked_at: so.Mapped[dt.datetime | None]

    @property
    def can_write(self) -> bool:
        return self.access == "read_write"


class ManagerToken(TenantOwned, Base):
    """A license manager's personal API token: what their permissions allow, inside their orders."""

    __tablename__ = "manager_token"
    __table_args__ = (sa.UniqueConstraint("prefix"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("license_manager.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[dt.datetime] = created_at_column()
    last_used_at: so.Mapped[dt.datetime | None]
    revoked_at: so.Mapped[dt.datetime | None]


class IdempotentAnswer(TenantOwned, Base):
    """The answer a creating POST gave under an ``Idempotency-Key``; a replay gets it again."""

    __tablename__ = "idempotent_answer"
    __table_args__ = (sa.UniqueConstraint("credential", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # "key:<id>" or "token:<id>": whose key it is, so two callers never share answers.
    credential: so.Mapped[str] = so.mapped_column(sa.String(32))
    key: so.Mapped[str] = so.mapped_column(sa.String(255))
    request_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[int]
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = created_at_column()
