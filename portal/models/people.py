"""License users, license managers with their permission set and scope, and user groups."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import permissions as perms
from portal.models.base import Base, TenantOwned, created_at_column, utcnow

if TYPE_CHECKING:
    from portal.models.account import CustomerAccount
    from portal.models.catalog import LicensePolicy, Product
    from portal.models.order import Order

# The statuses a manager shows (list, pane, filter, CSV): the stored three, and "expired", an
# invited manager whose invitation link has lapsed (``LicenseManager.shown_status``).
MANAGER_STATUSES = ("invited", "expired", "active", "disabled")
STATUS_LABELS = {"invited": "Invited", "expired": "Invitation expired", "active": "Active", "disabled": "Disabled"}
# "Never signed in" sorts as the oldest sign-in. A literal both databases read as a timestamp
# (PostgreSQL) or compare as text in SQLAlchemy's own format (SQLite).
NEVER = "1970-01-01 00:00:00.000000"


class LicenseUser(TenantOwned, Base):
    """An end user of licenses. A license manager is a license user promoted to manage."""

    __tablename__ = "license_user"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id", "email"),
        # The overview's sort by name: the user's id is the tie-break, so the index serves the whole order.
        sa.Index("ix_license_user_vendor_name_id", "vendor_account_id", "first_name", "last_name", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    customer_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customer_account.id", ondelete="SET NULL"), index=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    first_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    last_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(50), default="")
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Set when someone else chose the password: the next sign-in must change it.
    is_initial_password: so.Mapped[bool] = so.mapped_column(default=False)
    last_login_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = created_at_column()

    customer_account: so.Mapped[CustomerAccount | None] = so.relationship(lazy="raise")
    manager: so.Mapped[LicenseManager | None] = so.relationship(
        back_populates="license_user", lazy="raise", uselist=False
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class LicenseManager(TenantOwned, Base):
    """A license user who manages the licenses of their orders in the End User Portal."""

    __tablename__ = "license_manager"
    __table_args__ = (
        sa.UniqueConstraint("license_user_id"),
        sa.CheckConstraint("status IN ('invited', 'active', 'disabled')", name="status"),
        sa.CheckConstraint(f"permissions >= 0 AND permissions <= {perms.ALL_BITS}", name="permissions"),
        # With the id, the default order's tie-break: PostgreSQL reads a page (and the rows a deep one
        # skips) from the index alone, in order, instead of fetching each row to sort its ties.
        sa.Index("ix_license_manager_vendor_created_id", "vendor_account_id", "created_at", "id"),
        sa.Index("ix_license_manager_vendor_last_login", "vendor_account_id", "last_login_at"),
        # A status filter in the overview's default order (created_at, id). invitation_expires_at makes it
        # covering for the count: "invited" and "expired" both read it, and without it SQLite prefers a scan
        # over looking every invited row up in the table.
        sa.Index(
            "ix_license_manager_vendor_status_created",
            "vendor_account_id",
            "status",
            "created_at",
            "id",
            "invitation_expires_at",
        ),
        # The managers of the customer accounts a search found. Partial: where most managers have no
        # customer account, the statistics of a full index say "half the table per account" and SQLite
        # scans instead.
        sa.Index(
            "ix_license_manager_vendor_customer_account",
            "vendor_account_id",
            "customer_account_id",
            sqlite_where=sa.text("customer_account_id IS NOT NULL"),
            postgresql_where=sa.text("customer_account_id IS NOT NULL"),
        ),
        # The managers in no customer account, by id: the first run of the overview's customer account
        # sort (``overview.stretches``), which would otherwise test every manager of the vendor.
        sa.Index(
            "ix_license_manager_vendor_no_account",
            "vendor_account_id",
            "id",
            sqlite_where=sa.text("customer_account_id IS NULL"),
            postgresql_where=sa.text("customer_account_id IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    license_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("license_user.id", ondelete="CASCADE"))
    customer_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customer_account.id", ondelete="SET NULL"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="invited")
    permissions: so.Mapped[int] = so.mapped_column(default=0)
    # Bumped on sign-out and disable: every session carrying an older version is dead.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    last_login_at: so.Mapped[dt.datetime | None]
    invited_at: so.Mapped[dt.datetime | None]
    # When the latest invitation link stops working (set with it); past it an invited manager
    # shows "Invitation expired" until the invitation is sent again.
    invitation_expires_at: so.Mapped[dt.datetime | None]
    # The End User Portal's language the manager chose (en, es, fr, de); None: the browser's.
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    created_at: so.Mapped[dt.datetime] = created_at_column()
    # The orders the manager manages and the licenses under them, kept by the database's triggers
    # (``portal.manager_counts``): read them in a select, never set them; a loaded row's may be stale.
    order_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    license_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # Name, email and customer account in one text for the search to test on this row, kept by the
    # database's triggers (``portal.manager_search_text``); likewise never set here.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    license_user: so.Mapped[LicenseUser] = so.relationship(back_populates="manager", lazy="raise")
    customer_account: so.Mapped[CustomerAccount | None] = so.relationship(lazy="raise")
    orders: so.Mapped[list[Order]] = so.relationship(
        secondary="order_manager", lazy="raise", back_populates="managers", viewonly=True
    )
    products: so.Mapped[list[ManagerProduct]] = so.relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    policies: so.Mapped[list[ManagerPolicy]] = so.relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    def has_permission(self, code: str) -> bool:
        return bool(self.permissions & perms.BY_CODE[code].bit)

    @property
    def permission_codes(self) -> list[str]:
        return perms.to_codes(self.permissions)

    @property
    def invitation_expired(self) -> bool:
        expires = self.invitation_expires_at
        return self.status == "invited" and expires is not None and expires < utcnow()

    @property
    def shown_status(self) -> str:
        """The status people see: "expired" for an invitation whose link has lapsed."""
        return "expired" if self.invitation_expired else self.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.shown_status]


def shown_status() -> sa.ColumnElement[str]:
    """``LicenseManager.shown_status`` in SQL, for the overview's rows and the CSV."""
    return sa.case((status_is("expired"), "expired"), else_=LicenseManager.status)


def status_is(status: str) -> sa.ColumnElement[bool]:
    """The filter ``status=…`` as SQL: "invited" and "expired" split the stored "invited"."""
    lapsed = sa.and_(LicenseManager.invitation_expires_at.is_not(None), LicenseManager.invitation_expires_at < utcnow())
    if status == "expired":
        return sa.and_(LicenseManager.status == "invited", lapsed)
    if status == "invited":
        return sa.and_(LicenseManager.status == "invited", sa.not_(lapsed))
    return LicenseManager.status == status


def last_login_sort() -> sa.ColumnElement:
    """Last sign-in with "never" as the oldest: the overview's sort key, served by an index.

    The literal is written inline, not bound, so both databases match the ORDER BY to the
    expression index below.
    """
    return sa.func.coalesce(LicenseManager.last_login_at, sa.literal_column(f"'{NEVER}'"), type_=sa.DateTime())


sa.Index(
    "ix_license_manager_vendor_last_login_sort", LicenseManager.vendor_account_id, last_login_sort(), LicenseManager.id
)


class ManagerProduct(Base):
    """A product the manager may issue, with an optional cap on how many licenses."""

    __tablename__ = "manager_product"
    __table_args__ = (
        sa.CheckConstraint("cap IS NULL OR cap >= 0", name="cap"),
        # The cap is held by the database: issuing is a conditional UPDATE of issued.
        sa.CheckConstraint("issued >= 0 AND (cap IS NULL OR issued <= cap)", name="issued"),
    )

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    cap: so.Mapped[int | None]
    issued: so.Mapped[int] = so.mapped_column(default=0)

    product: so.Mapped[Product] = so.relationship(lazy="raise")


class ManagerPolicy(Base):
    """A license policy the manager may issue from."""

    __tablename__ = "manager_policy"

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    policy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_policy.id", ondelete="CASCADE"), primary_key=True
    )

    policy: so.Mapped[LicensePolicy] = so.relationship(lazy="raise")


class ManagerCustomerAccount(Base):
    """A customer account the manager is scoped to, beyond their own."""

    __tablename__ = "manager_customer_account"

    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True
    )
    customer_account_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("customer_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserGroup(TenantOwned, Base):
    __tablename__ = "user_group"
    __table_args__ = (sa.UniqueConstraint("vendor_account_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    customer_account_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customer_account.id", ondelete="SET NULL"), index=True
    )
    code: so.Mapped[str] = so.mapped_column(sa.String(64))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    created_by_manager_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[dt.datetime] = created_at_column()


class UserGroupMember(Base):
    __tablename__ = "user_group_member"

    user_group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_group.id", ondelete="CASCADE"), primary_key=True
    )
    license_user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[dt.datetime] = created_at_column()


class UserGroupManager(Base):
    __tablename__ = "user_group_manager"

    user_group_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_group.id", ondelete="CASCADE"), primary_key=True
    )
    manager_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DefaultPermissionSet(TenantOwned, Base):
    """The vendor's permission set copied into managers created afterwards."""

    __tablename__ = "default_permission_set"
    __table_args__ = (
        sa.UniqueConstraint("vendor_account_id"),
        sa.CheckConstraint(f"permissions >= 0 AND permissions <= {perms.ALL_BITS}", name="permissions"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    permissions: so.Mapped[int] = so.mapped_column(default=perms.FACTORY_DEFAULT_BITS)
    updated_at: so.Mapped[dt.datetime] = created_at_column()

    products: so.Mapped[list[DefaultProduct]] = so.relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    policies: so.Mapped[list[DefaultPolicy]] = so.relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class DefaultProduct(Base):
    __tablename__ = "default_product"
    __table_args__ = (sa.CheckConstraint("cap IS NULL OR cap >= 0", name="cap"),)

    default_permission_set_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("default_permission_set.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    cap: so.Mapped[int | None]


class DefaultPolicy(Base):
    __tablename__ = "default_policy"

    default_permission_set_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("default_permission_set.id", ondelete="CASCADE"), primary_key=True
    )
    policy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("license_policy.id", ondelete="CASCADE"), primary_key=True
    )
