"""Reads of the License API: which vendor, which license, which device, and the license state.

Finding the license is also where the caller is authenticated: a license key (key-based
products) or a license user's email and password who holds a seat (user-based products).
Every read after ``vendor_by_public_id`` runs inside the tenant the caller set from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.errors import Conflict
from portal.extensions import db
from portal.models import Device, License, LicenseAssignment, LicenseUser, Product, VendorAccount, utcnow
from portal.passwords import verify_password

NOT_FOUND = "No license matches this key and product."


def vendor_by_public_id(public_id: str) -> VendorAccount | None:
    """The vendor account the software names (not tenant-owned: looked up before a tenant is set)."""
    return db.session.scalar(sa.select(VendorAccount).where(VendorAccount.public_id == public_id))


def product_by_code(code: str) -> Product:
    product = db.session.scalar(sa.select(Product).where(Product.code == code))
    if product is None:
        raise Conflict("No product has this code.", code="license_not_found")
    return product


def license_for_key(product_code: str, license_key: str) -> License:
    """The license with this key, which must be of the product named."""
    found = db.session.execute(
        sa.select(License, Product.code)
        .join(Product, Product.id == License.product_id)
        .where(License.license_key == license_key)
    ).first()
    if found is None:
        raise Conflict(NOT_FOUND, code="license_not_found")
    license_, code = found
    if code != product_code:
        raise Conflict("This license key is for another product.", code="product_mismatch")
    return license_


def license_for_user(product_code: str, email: str, password: str) -> License:
    """The user-based license of this product whose seat the user holds, once their password checks.

    With several, the first that is neither disabled nor expired (oldest first) answers.
    """
    user = db.session.scalar(sa.select(LicenseUser).where(LicenseUser.email == email.strip().lower()))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Conflict("The email or password is wrong.", code="invalid_credentials")
    product = product_by_code(product_code)
    if not product.is_user_based:
        raise Conflict("This product activates with a license key, not a user.", code="product_mismatch")
    licenses = db.session.scalars(
        sa.select(License)
        .join(LicenseAssignment, LicenseAssignment.license_id == License.id)
        .where(LicenseAssignment.license_user_id == user.id, License.product_id == product.id)
        .order_by(License.id)
    ).all()
    if not licenses:
        raise Conflict("This user holds no seat of a license of this product.", code="license_not_found")
    now = utcnow()
    usable = [lic for lic in licenses if lic.status != "disabled" and not is_expired(lic, now)]
    return (usable or licenses)[0]


def device_of(license_: License, hardware_id: str) -> Device | None:
    """The license's device on this machine, its ``license`` set to the one given (no second load)."""
    device = db.session.scalar(
        sa.select(Device).where(Device.license_id == license_.id, Device.hardware_id == hardware_id)
    )
    if device is not None:
        so.attributes.set_committed_value(device, "license", license_)
    return device


def is_expired(license_: License, now: dt.datetime | None = None) -> bool:
    return license_.valid_until is not None and license_.valid_until < (now or utcnow())


def stale_seat(license_: License, now: dt.datetime) -> sa.ColumnElement[bool]:
    """A floating seat that counts as free: not borrowed, and no check-in within the timeout."""
    cutoff = now - dt.timedelta(minutes=license_.floating_timeout_minutes)
    seen = sa.func.coalesce(Device.last_check_in_at, Device.floating_since)
    return sa.and_(
        Device.floating_in_use,
        sa.or_(Device.borrowed_until.is_(None), Device.borrowed_until <= now),
        sa.or_(seen.is_(None), seen < cutoff),
    )


def live_seats(license_: License, now: dt.datetime | None = None) -> int:
    """Floating seats held right now (a stale seat counts as free even before it is reclaimed)."""
    now = now or utcnow()
    held = sa.and_(Device.license_id == license_.id, Device.floating_in_use)
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Device).where(held, sa.not_(stale_seat(license_, now)))
        )
        or 0
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def state(license_: License, device: Device | None) -> dict[str, Any]:
    """What an answer tells the software about its license and its own device."""
    now = utcnow()
    in_use = live_seats(license_, now) if license_.is_floating else 0
    answer: dict[str, Any] = {
        "license": {
            "id": license_.id,
            "status": "expired" if is_expired(license_, now) and license_.status != "disabled" else license_.status,
            "type": license_.license_type,
            "valid_until": _iso(license_.valid_until),
            "max_activations": license_.max_activations,
            "times_activated": license_.times_activated,
            "transfer_count": license_.transfer_count,
            "transfer_limit": license_.transfer_limit,
            "is_floating": license_.is_floating,
            "floating_seats": license_.floating_seats,
            "floating_in_use": in_use,
            "floating_free": max(license_.floating_seats - in_use, 0),
            "floating_timeout_minutes": license_.floating_timeout_minutes,
            "max_borrow_hours": license_.max_borrow_hours,
            "max_consumptions": license_.max_consumptions,
            "consumptions": license_.consumptions,
        },
        "device": None,
        "server_time": _iso(now),
    }
    if device is not None:
        answer["device"] = {
            "hardware_id": device.hardware_id,
            "is_active": device.is_active,
            "is_revoked": device.is_revoked,
            "floating_in_use": device.floating_in_use,
            "borrowed_until": _iso(device.borrowed_until),
            "last_check_in_at": _iso(device.last_check_in_at),
        }
    return answer
