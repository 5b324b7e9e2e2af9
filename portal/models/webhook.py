"""Webhooks: the endpoints a vendor registers, and each delivery of an event to one of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.types import JSON

from portal.models.base import Base, TenantOwned, created_at_column

DELIVERY_STATUSES = ("pending", "delivered", "failed", "dead")


class WebhookEndpoint(TenantOwned, Base):
    """A URL of the vendor's that receives the events it subscribed to, signed with its secret.

    The secret is kept as is (signing needs it); the pages show it once, when made or rotated.
    """

    __tablename__ = "webhook_endpoint"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    url: so.Mapped[str] = so.mapped_column(sa.String(2000))
    description: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    events: so.Mapped[list[str]] = so.mapped_column(JSON, default=list)
    secret: so.Mapped[str] = so.mapped_column(sa.String(100))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[dt.datetime] = created_at_column()


class WebhookDelivery(TenantOwned, Base):
    """One event sent (or to be sent) to one endpoint, with the answer of its last attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'dead')", name="status"),
        sa.Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "id"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),  # the retry sweep's look-up
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    endpoint_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event: so.Mapped[str] = so.mapped_column(sa.String(64))
    payload: so.Mapped[dict[str, Any]] = so.mapped_column(JSON)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[dt.datetime | None]
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="pending")
    response_code: so.Mapped[int | None]
    response_body: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    duration_ms: so.Mapped[int | None]
    created_at: so.Mapped[dt.datetime] = created_at_column()

    endpoint: so.Mapped[WebhookEndpoint] = so.relationship(lazy="raise")


class FailedJob(TenantOwned, Base):
    """A background job that ran out of retries (a dead letter), kept for staff to see and retry."""

    __tablename__ = "failed_job"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task: so.Mapped[str] = so.mapped_column(sa.String(100))
    args: so.Mapped[list[Any]] = so.mapped_column(JSON, default=list)
    error: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    failed_at: so.Mapped[dt.datetime] = created_at_column()
    retried_at: so.Mapped[dt.datetime | None]
