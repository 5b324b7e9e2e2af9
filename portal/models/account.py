"""Vendor accounts, their staff, customer accounts and customers."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned, created_at_column


def new_public_id() -> str:
    """The id the vendor's software names its account by in the License API (not secret)."""
    return "va_" + secrets.token_hex(8)


class VendorAccount(Base):
    """A software company; owns everything else. The one model that is not tenant-owned."""

    __tablename__ = "vendor_account"
    # An index rather than a constraint: SQLite adds it without rebuilding the table (which would
    # cascade-delete every row that references the account).
    __table_args__ = (sa.Index("ix_vendor_account_public_id", "public_id", unique=True),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    public_id: so.Mapped[str] = so.mapped_column(sa.String(32), default=new_public_id)
    # The Ed25519 key pair that signs License API answers (raw 32-byte keys, base64); made on first use.
    signing_private_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    signing_public_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[dt.datetime] = created_at_column()
    # How many license managers the account has, kept by the database's triggers (``portal.account_counts``):
    # read it in a select, never set it; a loaded row's may be stale.
    manager_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")


OWNER = "owner"
ADMIN = "admin"
SUPPORT = "support"
# Strongest first. What each may do is decided in one place: ``portal.access`` (staff roles).
STAFF_ROLES = (OWNER, ADMIN, SUPPORT)


class StaffUser(TenantOwned, Base):
    """A vendor's staff member; signs in to the vendor platform with one role."""

    __tablename__ = "staff_user"
    # Staff sign in with only an email, so it identifies one person across vendors.
    __table_args__ = (
        sa.UniqueConstraint("email"),
        sa.CheckConstraint("role IN ('owner', 'admin', 'support')", name="role"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default=ADMIN)
    last_login_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = created_at_column()

    vendor_account: so.Mapped[VendorAccount] = so.relationship(lazy="joined")


class CustomerAccount(TenantOwned, Base):
    """A customer organisation: a business unit or reseller grouping customers."""

    __tablename__ = "customer_account"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "name"),
        sa.UniqueConstraint("vendor_account_id", "code"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    code: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[dt.datetime] = created_at_column()


class Customer(TenantOwned, Base):
    """A contact at a customer; the vendor edits these, managers only read them."""

    __tablename__ = "customer"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "email"),
        # The customers of the accounts a manager is scoped to (``portal.scope``), under the tenant's
        # criterion: with the account id alone beside it, the planners take the vendor index and scan.
        sa.Index("ix_customer_vendor_customer_account", "vendor_account_id", "customer_account_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    customer_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customer_account.id", ondelete="SET NULL"), index=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    first_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    last_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    company: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(50), default="")
    address: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    reference: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    created_at: so.Mapped[dt.datetime] = created_at_column()

    customer_account: so.Mapped[CustomerAccount | None] = so.relationship(lazy="raise")

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return self.company or name or self.email
