"""Audit events, outgoing mail and single-use sign-in tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql

from portal.models.base import Base, TenantOwned, created_at_column

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class AuditEvent(TenantOwned, Base):
    """One change made by staff, a manager or the system: who, what, which object, before/after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_vendor_created", "vendor_account_id", "created_at", "id"),
        sa.Index("ix_audit_event_customer_account", "customer_account_id", "created_at"),
        sa.CheckConstraint("actor_type IN ('staff', 'manager', 'system', 'api_key')", name="actor_type"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_type: so.Mapped[str] = so.mapped_column(sa.String(10))
    actor_id: so.Mapped[int | None]
    # Labels are kept as written so the log still reads well after the object is gone.
    actor_label: so.Mapped[str] = so.mapped_column(sa.String(254))
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    object_id: so.Mapped[int | None]
    object_label: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    # The customer organisation the change belongs to, so its managers can read it.
    customer_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customer_account.id", ondelete="SET NULL")
    )
    before: so.Mapped[dict[str, Any] | None] = so.mapped_column(JSON)
    after: so.Mapped[dict[str, Any] | None] = so.mapped_column(JSON)
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    created_at: so.Mapped[dt.datetime] = created_at_column()


class OutboxMail(Base):
    """Every mail the portal sends, kept whether or not SMTP is configured."""

    __tablename__ = "outbox_mail"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    vendor_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("vendor_account.id", ondelete="CASCADE"), index=True
    )
    to: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[dt.datetime] = created_at_column()
    sent_at: so.Mapped[dt.datetime | None]
    error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")


class SignInToken(Base):
    """An invitation or password-reset link: stored hashed, expires, works once."""

    __tablename__ = "sign_in_token"
    __table_args__ = (sa.CheckConstraint("purpose IN ('invitation', 'password_reset')", name="purpose"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    license_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("license_user.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(16))
    expires_at: so.Mapped[dt.datetime]
    used_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = created_at_column()
