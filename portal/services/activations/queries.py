"""Reads of the License API: which vendor, which license, which device, and the license state.

Finding the license is also where the caller is authenticated: a license key (key-based
products) or a license user's email and password who holds a seat (user-based products).
Every read after ``vendor_by_public_id`` runs inside the tenant the caller set from it.

The hot path (a check-in) costs one SELECT and one UPDATE: the vendor's id and signing key are
kept per process (``signer_for``: a key never changes once made), and the license, its
product code and the machine's device come back in one statement (``license_for_key``).
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import signing
from portal.errors import Conflict
from portal.extensions import db
from portal.models import Device, License, LicenseAssignment, LicenseUser, Product, VendorAccount, utcnow
from portal.passwords import verify_password

NOT_FOUND = "No license matches this key and product."
SIGNER_SECONDS = 300.0  # how long a process trusts what it read of a vendor account
_PRELOADED = "activations.preloaded_device"


@dataclass(frozen=True)
class Signer:
    """What an answer needs of the vendor account: its id (the tenant) and its private key."""

    vendor_account_id: int
    private_key: str


# Per engine (a test's database or the bench's two are not mixed up): public id -> (until, signer).
_signers: weakref.WeakKeyDictionary[sa.Engine, dict[str, tuple[float, Signer]]] = weakref.WeakKeyDictionary()


def vendor_by_public_id(public_id: str) -> VendorAccount | None:
    """The vendor account the software names (not tenant-owned: looked up before a tenant is set)."""
    return db.session.scalar(sa.select(VendorAccount).where(VendorAccount.public_id == public_id))


def signer_for(public_id: str) -> Signer | None:
    """The vendor account's id and signing key, read once per process and kept ``SIGNER_SECONDS``.

    A key pair is made once and never replaced, so what is kept cannot sign with a wrong key; a
    key made by this very call (an account older than its key) is kept only once it is read
    back committed. An unknown id is never kept: each costs its look-up, as before.
    """
    cache = _signers.setdefault(db.engine, {})
    now = time.monotonic()
    kept = cache.get(public_id)
    if kept is not None and kept[0] > now:
        return kept[1]
    vendor = vendor_by_public_id(public_id)
    if vendor is None:
        return None
    made_now = not vendor.signing_private_key
    signing.ensure_key(vendor)  # the request's commit writes a key made here
    signer = Signer(vendor.id, vendor.signing_private_key or "")
    if not made_now:
        if len(cache) >= 10_000:
            cache.clear()
        cache[public_id] = (now + SIGNER_SECONDS, signer)
    return signer


def product_by_code(code: str) -> Product:
    product = db.session.scalar(sa.select(Product).where(Product.code == code))
    if product is None:
        raise Conflict("No product has this code.", code="license_not_found")
    return product


# Built once (building a statement costs about as much as running it on SQLite); the tenant
# criteria are added to each execution by ``portal.tenancy`` as to any other statement.
_BY_KEY = (
    sa.select(License, Product.code)
    .join(Product, Product.id == License.product_id)
    .where(License.license_key == sa.bindparam("license_key"))
)
_BY_KEY_ON_MACHINE = (
    sa.select(License, Product.code, Device)
    .join(Product, Product.id == License.product_id)
    .outerjoin(Device, sa.and_(Device.license_id == License.id, Device.hardware_id == sa.bindparam("hardware_id")))
    .where(License.license_key == sa.bindparam("license_key"))
)


def license_for_key(product_code: str, license_key: str, hardware_id: str | None = None) -> License:
    """The license with this key, which must be of the product named.

    With ``hardware_id``, the license's device on that machine comes back in the same statement
    and the next ``device_of`` for it answers without a query.
    """
    statement = _BY_KEY if hardware_id is None else _BY_KEY_ON_MACHINE
    found = db.session.execute(statement, {"license_key": license_key, "hardware_id": hardware_id}).first()
    if found is None:
        raise Conflict(NOT_FOUND, code="license_not_found")
    license_, code = found[0], found[1]
    if code != product_code:
        raise Conflict("This license key is for another product.", code="product_mismatch")
    if hardware_id is not None:
        db.session.info[_PRELOADED] = (db.session().get_transaction(), license_.id, hardware_id, found[2])
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
    # Used once, and only in the transaction that read it (a later one may see it changed).
    preloaded = db.session.info.pop(_PRELOADED, None)
    if preloaded is not None and preloaded[:3] == (db.session().get_transaction(), license_.id, hardware_id):
        device = preloaded[3]
    else:
        device = db.session.scalar(
            sa.select(Device).where(Device.license_id == license_.id, Device.hardware_id == hardware_id)
        )
    if device is not None:
        so.attributes.set_committed_value(device, "license", license_)
    return device


def is_expired(license_: License, now: dt.datetime | None = None) -> bool:
    return license_.valid_until is not None and license_.valid_until < (now or utcnow())


def stale_after(timeout_minutes: int, now: dt.datetime) -> sa.ColumnElement[bool]:
    """A floating seat that counts as free: not borrowed, and no check-in within the timeout.

    The one definition of a stale seat: the acquire that reclaims it, the minute sweep that frees
    it and the manager's notice of seats held past the timeout all ask this.
    """
    cutoff = now - dt.timedelta(minutes=timeout_minutes)
    seen = sa.func.coalesce(Device.last_check_in_at, Device.floating_since)
    return sa.and_(
        Device.floating_in_use,
        sa.or_(Device.borrowed_until.is_(None), Device.borrowed_until <= now),
        sa.or_(seen.is_(None), seen < cutoff),
    )


def stale_seat(license_: License, now: dt.datetime) -> sa.ColumnElement[bool]:
    """A stale floating seat of this license (see ``stale_after``)."""
    return stale_after(license_.floating_timeout_minutes, now)


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
