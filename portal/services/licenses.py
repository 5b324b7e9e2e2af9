"""License actions in the End User Portal: find, enable, disable, note, reset.

Counts change only through conditional UPDATEs, so two requests at once can never push a
count past its limit or below zero, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.lists import contains
from portal.models import Device, License, Order, Product, utcnow
from portal.models.catalog import LICENSE_TYPES
from portal.models.license import LICENSE_STATUSES

EXPIRING_CHOICES = (7, 30, 90)


@dataclass
class LicenseFilters:
    q: str = ""
    product: int | None = None
    status: str = ""
    type: str = ""
    expiring: int | None = None

    @classmethod
    def from_args(cls, args) -> LicenseFilters:
        """Read the filters from query arguments, ignoring values that are not choices."""
        status = args.get("status", "")
        type_ = args.get("type", "")
        expiring = args.get("expiring", type=int)
        return cls(
            q=(args.get("q") or "").strip()[:200],
            product=args.get("product", type=int),
            status=status if status in LICENSE_STATUSES else "",
            type=type_ if type_ in LICENSE_TYPES else "",
            expiring=expiring if expiring and 0 < expiring <= 3650 else None,
        )

    def as_args(self) -> dict:
        values = dict(q=self.q, product=self.product, status=self.status, type=self.type, expiring=self.expiring)
        return {k: v for k, v in values.items() if v}


def licenses_query(order_ids: sa.Select, filters: LicenseFilters) -> sa.Select:
    """Licenses under the given orders that match the filters, newest first."""
    stmt = sa.select(License).join(Order, Order.id == License.order_id).where(License.order_id.in_(order_ids))
    if filters.q:
        stmt = stmt.where(
            sa.or_(
                contains(License.license_key, filters.q),
                contains(License.note, filters.q),
                contains(Order.reference, filters.q),
            )
        )
    if filters.product:
        stmt = stmt.where(License.product_id == filters.product)
    if filters.status:
        stmt = stmt.where(License.status == filters.status)
    if filters.type:
        stmt = stmt.where(License.license_type == filters.type)
    if filters.expiring:
        now = utcnow()
        stmt = stmt.where(License.valid_until >= now, License.valid_until <= now + dt.timedelta(days=filters.expiring))
    return stmt.order_by(License.created_at.desc(), License.id.desc())


def product_choices(order_ids: sa.Select) -> list[Product]:
    """The products that have licenses under the given orders, for the filter select."""
    used = sa.select(License.product_id).where(License.order_id.in_(order_ids))
    return list(db.session.scalars(sa.select(Product).where(Product.id.in_(used)).order_by(Product.name)))


def _update_license(license_: License, *criteria, **values) -> int:
    """A conditional UPDATE of one license; returns how many rows matched (0 or 1)."""
    result = db.session.execute(
        sa.update(License)
        .where(License.id == license_.id, *criteria)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(license_)
    return result.rowcount


def disable(license_: License) -> bool:
    """Disable a license, remembering its status so that enabling restores it."""
    before = {"status": license_.status}
    changed = _update_license(
        license_, License.status != "disabled", status="disabled", status_before_disable=License.status
    )
    if changed:
        audit.record("license.disabled", license_, before=before, after={"status": "disabled"})
    return bool(changed)


def enable(license_: License) -> bool:
    """Enable a disabled license: back to the status it had before."""
    fallback = sa.case((License.times_activated > 0, "active"), else_="inactive")
    changed = _update_license(
        license_,
        License.status == "disabled",
        status=sa.func.coalesce(License.status_before_disable, fallback),
        status_before_disable=None,
    )
    if changed:
        audit.record("license.enabled", license_, before={"status": "disabled"}, after={"status": license_.status})
    return bool(changed)


def set_note(license_: License, note: str) -> bool:
    """Replace the license's note."""
    before = license_.note
    if before == note:
        return False
    _update_license(license_, note=note)
    audit.record("license.note_changed", license_, before={"note": before}, after={"note": note})
    return True


def _counts(license_: License) -> dict:
    return {
        "times_activated": license_.times_activated,
        "floating_in_use": license_.floating_in_use,
        "consumptions": license_.consumptions,
    }


def reset(license_: License) -> int:
    """Deactivate every device of the license and set its counts to zero; return devices reset.

    Devices are kept, deactivated, so their history and any revocation (a block on activating
    again) survive the reset.
    """
    before = _counts(license_)
    now = utcnow()
    result = db.session.execute(
        sa.update(Device)
        .where(Device.license_id == license_.id, sa.or_(Device.is_active, Device.floating_in_use))
        .values(
            is_active=False,
            floating_in_use=False,
            floating_since=None,
            borrowed_until=None,
            deactivated_at=sa.case((Device.is_active, now), else_=Device.deactivated_at),
        )
        .execution_options(synchronize_session=False)
    )
    _update_license(license_, times_activated=0, floating_in_use=0, consumptions=0)
    after = _counts(license_) | {"devices_deactivated": result.rowcount}
    audit.record("license.reset", license_, before=before, after=after)
    return result.rowcount
