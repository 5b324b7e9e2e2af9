"""Orders and the license managers who manage them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned, created_at_column

if TYPE_CHECKING:
    from portal.models.account import Customer
    from portal.models.people import LicenseManager


class OrderManager(Base):
    """A license manager assigned to an order; the manager's scope is the union of these."""

    __tablename__ = "order_manager"

    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("order.id", ondelete="CASCADE"), primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[dt.datetime] = created_at_column()


class ManagerOrder(TenantOwned, Base):
    """One of a manager's assigned orders with the order's creation time: the database writes these itself
    (``portal.manager_orders``), never the application. A big manager's newest orders are read down this
    table's (vendor, manager, created) index instead of the vendor's newest, each tested for a link."""

    __tablename__ = "manager_order"
    __table_args__ = (sa.Index("ix_manager_order_newest", "vendor_account_id", "manager_id", "created_at", "order_id"),)

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    order_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("order.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, nullable=False)


class ManagerLicense(TenantOwned, Base):
    """A license under one of a manager's assigned orders, with the license's issue time: the database
    writes these itself (``portal.manager_licenses``), never the application.

    A big manager's newest licenses (60,003 of 3,000,000 at 1,000,000 managers) are read down this
    table's (vendor, manager, created) index, 25 entries for 25 rows, where the vendor's newest licenses
    were each tested for the manager's orders (~1,300 read a page).
    """

    __tablename__ = "manager_license"
    __table_args__ = (
        sa.Index("ix_manager_license_newest", "vendor_account_id", "manager_id", "created_at", "license_id"),
    )

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    license_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, nullable=False)


class Order(TenantOwned, Base):
    __tablename__ = "order"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "reference"),
        sa.Index("ix_order_vendor_created", "vendor_account_id", "created_at"),
        # The orders of those customers (``portal.scope``), likewise read with the tenant's criterion.
        sa.Index("ix_order_vendor_customer", "vendor_account_id", "customer_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(64))
    customer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("customer.id", ondelete="SET NULL"), index=True)
    is_trial: so.Mapped[bool] = so.mapped_column(default=False)
    is_test: so.Mapped[bool] = so.mapped_column(default=False)
    is_bundle: so.Mapped[bool] = so.mapped_column(default=False)
    created_by_manager_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = created_at_column()

    customer: so.Mapped[Customer | None] = so.relationship(lazy="raise")
    managers: so.Mapped[list[LicenseManager]] = so.relationship(
        secondary="order_manager", lazy="raise", back_populates="orders", viewonly=True
    )
