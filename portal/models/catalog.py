"""Products and their license policies (templates for issuing licenses)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned, created_at_column

AUTHORIZATION_METHODS = ("key", "user")
LICENSE_TYPES = ("perpetual", "time-limited", "subscription", "consumption")


class Product(TenantOwned, Base):
    __tablename__ = "product"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "code"),
        sa.UniqueConstraint("vendor_account_id", "name"),
        sa.CheckConstraint("authorization_method IN ('key', 'user')", name="authorization_method"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    code: so.Mapped[str] = so.mapped_column(sa.String(64))
    authorization_method: so.Mapped[str] = so.mapped_column(sa.String(8), default="key")
    floating_enabled: so.Mapped[bool] = so.mapped_column(default=False)
    floating_timeout_minutes: so.Mapped[int] = so.mapped_column(default=30)
    created_at: so.Mapped[dt.datetime] = created_at_column()

    policies: so.Mapped[list[LicensePolicy]] = so.relationship(
        back_populates="product", lazy="raise", order_by="LicensePolicy.name"
    )

    @property
    def is_user_based(self) -> bool:
        return self.authorization_method == "user"


class LicensePolicy(TenantOwned, Base):
    """A template from which licenses are issued."""

    __tablename__ = "license_policy"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "code"),
        sa.CheckConstraint(
            "license_type IN ('perpetual', 'time-limited', 'subscription', 'consumption')",
            name="license_type",
        ),
        sa.CheckConstraint("max_activations IS NULL OR max_activations >= 0", name="max_activations"),
        sa.CheckConstraint(
            "NOT is_floating OR floating_seats <= COALESCE(max_activations, floating_seats)",
            name="floating_seats",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    code: so.Mapped[str] = so.mapped_column(sa.String(64))
    license_type: so.Mapped[str] = so.mapped_column(sa.String(16), default="perpetual")
    is_trial: so.Mapped[bool] = so.mapped_column(default=False)
    trial_days: so.Mapped[int] = so.mapped_column(default=0)
    validity_days: so.Mapped[int | None]
    # None means unlimited. No Python default: the ORM would put it in place of an explicit None.
    max_activations: so.Mapped[int | None]
    max_license_users: so.Mapped[int] = so.mapped_column(default=0)
    max_consumptions: so.Mapped[int | None]
    transfer_limit: so.Mapped[int | None]
    is_floating: so.Mapped[bool] = so.mapped_column(default=False)
    floating_seats: so.Mapped[int] = so.mapped_column(default=0)
    max_borrow_hours: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[dt.datetime] = created_at_column()

    product: so.Mapped[Product] = so.relationship(back_populates="policies", lazy="raise")
