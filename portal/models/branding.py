"""Each vendor account's portal: its sign-in address (slug), brand name, logo and accent colour.

One row per vendor account, keyed by it (the account table itself is never rebuilt on SQLite).
The row is made with the account (a mapper event), so every vendor has a sign-in address
from the start. The account's sign-in rules for staff sit beside it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.account import VendorAccount
from portal.models.base import Base, utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# First path segments of /portal that a vendor's address must not shadow.
RESERVED_SLUGS = frozenset(
    {
        "login", "logout", "password", "account", "orders", "licenses", "devices", "users", "user-groups",
        "reports", "activity", "offline", "tokens", "static", "api", "vendor", "portal", "admin", "choose",
        "two-factor", "settings", "logo", "brand",
    }
)  # fmt: skip


def slugify(name: str) -> str:
    """A sign-in address from a name: 'Acme Software' is 'acme-software'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug or "vendor"


class VendorBranding(Base):
    """A vendor account's portal: slug, brand, logo (PNG, JPEG or WebP) and accent colour."""

    __tablename__ = "vendor_branding"
    __table_args__ = (
        sa.UniqueConstraint("slug"),
        sa.CheckConstraint(
            "logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg', 'image/webp')", name="logo_type"
        ),
    )

    vendor_account_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("vendor_account.id", ondelete="CASCADE"), primary_key=True
    )
    slug: so.Mapped[str] = so.mapped_column(sa.String(63))
    # Empty: the portal carries the vendor account's name.
    brand_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    accent_color: so.Mapped[str | None] = so.mapped_column(sa.String(7))
    # Deferred: every portal page reads the row, only /portal/<slug>/logo reads the bytes.
    logo: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    logo_type: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    logo_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    staff_two_factor_required: so.Mapped[bool] = so.mapped_column(default=False)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(sa.DateTime, default=utcnow, nullable=False)

    @property
    def has_logo(self) -> bool:
        return self.logo_sha256 is not None


def unique_slug(connection: sa.Connection, name: str) -> str:
    """The slug of a name, numbered when another vendor (or a portal path) has it."""
    base = slugify(name)
    table = VendorBranding.__table__
    taken = set(connection.scalars(sa.select(table.c.slug).where(table.c.slug.like(f"{base}%"))))
    candidate, n = base, 1
    while candidate in taken or candidate in RESERVED_SLUGS:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@sa.event.listens_for(VendorAccount, "after_insert")
def _brand_new_account(mapper, connection: sa.Connection, target: VendorAccount) -> None:
    connection.execute(
        sa.insert(VendorBranding).values(
            vendor_account_id=target.id,
            slug=unique_slug(connection, target.name),
            brand_name="",
            staff_two_factor_required=False,
            updated_at=utcnow(),
        )
    )
