"""Offline activation and deactivation: a manager carries the machine's request to the portal.

The request file is read strictly (``files``), matched against the license the manager chose
(its key or an assigned user, its product), and then the License API's own actions run, so
every rule of an online activation holds: the activation limit, the transfer limit, a revoked
device, a disabled or expired license. The answer is the vendor's signed document, which the
software verifies offline with the public key built into it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal import signing
from portal.audit import Actor
from portal.errors import N_, Invalid
from portal.extensions import db
from portal.models import Device, License, LicenseAssignment, LicenseUser, Product, VendorAccount, utcnow
from portal.services.activations import actions as activations
from portal.services.activations import queries as activation_queries
from portal.services.activations.actions import Machine
from portal.services.offline import files
from portal.services.offline.files import FIELD, OfflineRequest


def _check_matches(license_: License, request: OfflineRequest) -> None:
    """The request must be for this license: its product, and its key or one of its users."""
    product = db.session.get(Product, license_.product_id)
    if product is None or request.product != product.code:
        raise Invalid.at(
            FIELD,
            N_("This request is for product %(product)s, not this license's product.", product=repr(request.product)),
        )
    if product.is_user_based:
        if not request.user:
            raise Invalid.at(FIELD, N_("This license is user-based: the request must name a license user."))
        assigned = db.session.scalar(
            sa.select(LicenseAssignment.id)
            .join(LicenseUser, LicenseUser.id == LicenseAssignment.license_user_id)
            .where(LicenseAssignment.license_id == license_.id, sa.func.lower(LicenseUser.email) == request.user)
        )
        if assigned is None:
            raise Invalid.at(FIELD, N_("%(user)s is not assigned to this license.", user=request.user))
    elif request.license_key != license_.license_key:
        raise Invalid.at(FIELD, N_("This request names another license key than this license's."))


def _answer(license_: License, request: OfflineRequest, device: Device | None) -> dict[str, Any]:
    vendor = db.session.get(VendorAccount, license_.vendor_account_id)
    assert vendor is not None
    payload = {
        # As in every License API answer: what it answers, so the software accepts only its own.
        "request": {"kind": request.kind, "nonce": request.nonce, "hardware_id": request.hardware_id},
        "product": request.product,
        "license_key": license_.license_key,
        "user": request.user,
        "offline": True,
        **activation_queries.state(license_, device),
    }
    document = signing.sign(vendor, payload)
    return {"format": files.RESPONSE_FORMAT.format(kind=request.kind), "version": files.VERSION, **document}


def _read(raw: bytes, kind: str, license_: License) -> OfflineRequest:
    request = files.parse_request(raw, kind, now=utcnow())
    _check_matches(license_, request)
    return request


def activate(license_: License, raw: bytes, *, actor: Actor) -> dict[str, Any]:
    """Activate the machine of an offline request on this license; the signed response document."""
    request = _read(raw, "activation", license_)
    machine = Machine(request.hardware_id, request.hostname, request.os, request.sdk_version)
    device = activations.activate(license_, machine, actor=actor)
    return _answer(license_, request, device)


def deactivate(license_: License, raw: bytes, *, actor: Actor) -> dict[str, Any]:
    """Deactivate the machine of an offline request on this license; the signed response document."""
    request = _read(raw, "deactivation", license_)
    device = activations.deactivate(license_, Machine(request.hardware_id), actor=actor)
    return _answer(license_, request, device)
