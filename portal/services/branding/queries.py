"""Reading a vendor's brand: by the slug of its sign-in address, or by the account."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import VendorAccount, VendorBranding


def by_slug(slug: str) -> tuple[VendorBranding, str] | None:
    """The brand and the account name behind a sign-in address (before anyone is signed in)."""
    row = db.session.execute(
        sa.select(VendorBranding, VendorAccount.name)
        .join(VendorAccount, VendorAccount.id == VendorBranding.vendor_account_id)
        .where(VendorBranding.slug == slug[:63])
    ).first()
    return (row[0], row[1]) if row else None


def of_vendor(vendor_account_id: int) -> VendorBranding | None:
    return db.session.get(VendorBranding, vendor_account_id)


def logo_of(slug: str) -> tuple[int, bytes, str, str] | None:
    """The vendor account, the logo's bytes, type and hash for a slug; None when the vendor has none."""
    row = db.session.execute(
        sa.select(
            VendorBranding.vendor_account_id, VendorBranding.logo, VendorBranding.logo_type, VendorBranding.logo_sha256
        ).where(VendorBranding.slug == slug[:63], VendorBranding.logo_sha256.is_not(None))
    ).first()
    if row is None or row[1] is None:
        return None
    return row[0], row[1], row[2], row[3]


def names(vendor_account_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The brand name (or account name) and slug of each vendor: for choosing one at sign-in."""
    rows = db.session.execute(
        sa.select(VendorAccount.id, VendorAccount.name, VendorBranding.brand_name, VendorBranding.slug)
        .join(VendorBranding, VendorBranding.vendor_account_id == VendorAccount.id)
        .where(VendorAccount.id.in_(vendor_account_ids))
    )
    return {id_: (brand or name, slug) for id_, name, brand, slug in rows}
