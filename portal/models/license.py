"""Licenses, their devices (activations) and their assigned users."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned, created_at_column, utcnow

if TYPE_CHECKING:
    from portal.models.catalog import LicensePolicy, Product
    from portal.models.order import Order
    from portal.models.people import LicenseUser

LICENSE_STATUSES = ("active", "inactive", "disabled")


class License(TenantOwned, Base):
    __tablename__ = "license"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "license_key"),
        sa.Index("ix_license_order_created", "order_id", "created_at"),
        # A big manager's newest licenses, read down the vendor's own order (``portal.scope.manages``).
        sa.Index("ix_license_vendor_created", "vendor_account_id", "created_at", "id"),
        sa.CheckConstraint("status IN ('active', 'inactive', 'disabled')", name="status"),
        sa.CheckConstraint(
            "license_type IN ('perpetual', 'time-limited', 'subscription', 'consumption')",
            name="license_type",
        ),
        # The rules the database itself holds: counts never pass their limits.
        sa.CheckConstraint(
            "times_activated >= 0 AND (max_activations IS NULL OR times_activated <= max_activations)",
            name="times_activated",
        ),
        sa.CheckConstraint("assigned_users >= 0 AND assigned_users <= max_license_users", name="assigned_users"),
        sa.CheckConstraint("floating_in_use >= 0 AND floating_in_use <= floating_seats", name="floating_in_use"),
        sa.CheckConstraint("max_consumptions IS NULL OR consumptions <= max_consumptions", name="consumptions"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("order.id", ondelete="CASCADE"))
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("product.id"), index=True)
    policy_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("license_policy.id", ondelete="SET NULL"), index=True
    )
    license_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    license_type: so.Mapped[str] = so.mapped_column(sa.String(16), default="perpetual")
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="inactive")
    # Restored by "enable": a disabled license goes back to what it was.
    status_before_disable: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    max_activations: so.Mapped[int | None]  # None: unlimited (no default, see LicensePolicy)
    times_activated: so.Mapped[int] = so.mapped_column(default=0)
    transfer_count: so.Mapped[int] = so.mapped_column(default=0)
    transfer_limit: so.Mapped[int | None]
    max_license_users: so.Mapped[int] = so.mapped_column(default=0)
    assigned_users: so.Mapped[int] = so.mapped_column(default=0)
    is_floating: so.Mapped[bool] = so.mapped_column(default=False)
    floating_seats: so.Mapped[int] = so.mapped_column(default=0)
    floating_in_use: so.Mapped[int] = so.mapped_column(default=0)
    floating_timeout_minutes: so.Mapped[int] = so.mapped_column(default=30)
    max_borrow_hours: so.Mapped[int] = so.mapped_column(default=0)
    max_consumptions: so.Mapped[int | None]
    consumptions: so.Mapped[int] = so.mapped_column(default=0)
    valid_until: so.Mapped[dt.datetime | None] = so.mapped_column(index=True)
    is_trial: so.Mapped[bool] = so.mapped_column(default=False)
    note: so.Mapped[str] = so.mapped_column(sa.String(2000), default="")
    issued_by_manager_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[dt.datetime] = created_at_column()

    order: so.Mapped[Order] = so.relationship(lazy="raise")
    product: so.Mapped[Product] = so.relationship(lazy="raise")
    policy: so.Mapped[LicensePolicy | None] = so.relationship(lazy="raise")
    devices: so.Mapped[list[Device]] = so.relationship(back_populates="license", lazy="raise", order_by="Device.id")

    @property
    def seats_total(self) -> int | None:
        """Seats of the license: users for user-based, activations otherwise (None: unlimited)."""
        if self.max_license_users:
            return self.max_license_users
        return self.max_activations

    @property
    def seats_used(self) -> int:
        return self.assigned_users if self.max_license_users else self.times_activated

    @property
    def is_expired(self) -> bool:
        """Past its end (and not disabled): the portal shows it as Expired, whatever its stored status."""
        return self.status != "disabled" and self.valid_until is not None and self.valid_until < utcnow()


class Device(TenantOwned, Base):
    """One activation of a license on a machine."""

    __tablename__ = "device"
    __table_args__ = (
        sa.UniqueConstraint("license_id", "hardware_id"),
        sa.Index("ix_device_vendor_last_check_in", "vendor_account_id", "last_check_in_at"),
        # The seats held now, longest first: a big manager's floating page reads them and tests each.
        # Partial, so the planners know how few they are (a plain index's statistics average them away).
        sa.Index(
            "ix_device_vendor_floating",
            "vendor_account_id",
            "floating_since",
            sqlite_where=sa.text("floating_in_use = 1"),
            postgresql_where=sa.text("floating_in_use"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    license_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("license.id", ondelete="CASCADE"))
    hardware_id: so.Mapped[str] = so.mapped_column(sa.String(128))
    hostname: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    os: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    sdk_version: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    first_activated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    last_check_in_at: so.Mapped[dt.datetime | None]
    deactivated_at: so.Mapped[dt.datetime | None]
    floating_in_use: so.Mapped[bool] = so.mapped_column(default=False)
    floating_since: so.Mapped[dt.datetime | None]
    borrowed_until: so.Mapped[dt.datetime | None]
    is_revoked: so.Mapped[bool] = so.mapped_column(default=False)
    revoked_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = created_at_column()

    license: so.Mapped[License] = so.relationship(back_populates="devices", lazy="raise")


class LicenseAssignment(TenantOwned, Base):
    """A license user holding one seat of a user-based license."""

    __tablename__ = "license_assignment"
    __table_args__ = (sa.UniqueConstraint("license_id", "license_user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    license_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("license.id", ondelete="CASCADE"))
    license_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("license_user.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[dt.datetime] = created_at_column()

    license: so.Mapped[License] = so.relationship(lazy="raise")
    license_user: so.Mapped[LicenseUser] = so.relationship(lazy="raise")
