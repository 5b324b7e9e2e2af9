"""Changing a vendor's brand and its sign-in rule for staff; each change audited with before and after."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.models import VendorAccount, VendorBranding, utcnow
from portal.models.branding import RESERVED_SLUGS, SLUG_PATTERN
from portal.services.branding import logos

COLOUR = re.compile(r"^#[0-9a-f]{6}$")
MIN_CONTRAST = 4.5  # WCAG AA for text: the accent carries white text on buttons


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


@dataclass
class BrandChange:
    brand_name: str
    slug: str
    accent_color: str  # "" for the portal's own
    logo: bytes | None = None  # new bytes, or None to keep
    remove_logo: bool = False


def _check(vendor: VendorAccount, change: BrandChange) -> dict[str, str]:
    errors: dict[str, str] = {}
    slug = change.slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        errors["slug"] = "Use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen."
    elif slug in RESERVED_SLUGS:
        errors["slug"] = f"“{slug}” is a page of the portal: choose another address."
    elif db.session.scalar(
        sa.select(VendorBranding.vendor_account_id).where(
            VendorBranding.slug == slug, VendorBranding.vendor_account_id != vendor.id
        )
    ):
        errors["slug"] = "Another vendor has this address: choose another."
    colour = change.accent_color.strip().lower()
    if colour and not COLOUR.match(colour):
        errors["accent_color"] = "Write the colour as #rrggbb, for example #2f5bd3."
    elif colour and contrast_with_white(colour) < MIN_CONTRAST:
        ratio = contrast_with_white(colour)
        errors["accent_color"] = (
            f"White text on this colour has a contrast of {ratio:.1f}:1; "
            f"choose a darker one (at least {MIN_CONTRAST}:1)."
        )
    return errors


def _state(brand: VendorBranding) -> dict[str, object]:
    return {
        "brand_name": brand.brand_name,
        "slug": brand.slug,
        "accent_color": brand.accent_color or "",
        "logo": brand.logo_sha256[:12] if brand.logo_sha256 else "",
    }


def update_branding(vendor: VendorAccount, change: BrandChange, *, actor: Actor) -> VendorBranding:
    """Set the brand name, sign-in address, accent colour and logo; Invalid at each wrong field."""
    brand = db.session.get(VendorBranding, vendor.id)
    assert brand is not None  # made with the account
    errors = _check(vendor, change)
    kind = None
    if change.logo is not None:
        try:
            kind = logos.check(change.logo)
        except Invalid as error:
            errors.update({k: v[0] for k, v in error.errors.items()})
    if errors:
        raise Invalid(errors)
    before = _state(brand)
    brand.brand_name = change.brand_name.strip()[:200]
    brand.slug = change.slug.strip().lower()
    brand.accent_color = change.accent_color.strip().lower() or None
    if change.logo is not None and kind is not None:
        brand.logo, brand.logo_type = change.logo, kind
        brand.logo_sha256 = hashlib.sha256(change.logo).hexdigest()
    elif change.remove_logo:
        brand.logo = brand.logo_type = brand.logo_sha256 = None
    after = _state(brand)
    if after != before:
        brand.updated_at = utcnow()
        db.session.flush()
        audit.record(
            "vendor.branding_changed",
            vendor,
            actor=actor,
            before=before,
            after=after,
            object_type="vendor_account",
            object_label=vendor.name,
        )
    return brand


def require_staff_two_factor(vendor: VendorAccount, required: bool, *, actor: Actor) -> VendorBranding:
    """Require (or stop requiring) two-factor sign-in of every staff member of the account."""
    brand = db.session.get(VendorBranding, vendor.id)
    assert brand is not None
    if brand.staff_two_factor_required != required:
        before = {"staff_two_factor_required": brand.staff_two_factor_required}
        brand.staff_two_factor_required = required
        db.session.flush()
        audit.record(
            "vendor.staff_two_factor_required" if required else "vendor.staff_two_factor_optional",
            vendor,
            actor=actor,
            before=before,
            after={"staff_two_factor_required": required},
            object_type="vendor_account",
            object_label=vendor.name,
        )
    return brand
