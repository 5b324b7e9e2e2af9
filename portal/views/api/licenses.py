"""Licenses (``/api/v1/licenses``): list, get, disable, enable, reset; their devices."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.models import Device, License
from portal.services.licenses import actions
from portal.services.licenses.queries import LicenseFilters
from portal.services.management import queries
from portal.views.api import auth, shapes

bp = Blueprint("licenses", __name__, url_prefix="/licenses")
auth.guard(bp)


def _load(license_id: int) -> License:
    found: License = shapes.one(queries.license_(auth.principal().order_ids, license_id))
    return found


@bp.get("")
def index():
    """List the caller's licenses, newest first; the portal's filters (q, product, status, type, expiring)."""
    stmt = queries.licenses(auth.principal().order_ids, LicenseFilters.from_args(request.args))
    return jsonify(shapes.page(stmt, License, shapes.licenses))


@bp.get("/<int:license_id>")
def detail(license_id: int):
    """Get one license."""
    return jsonify(shapes.license_(_load(license_id)))


@bp.get("/<int:license_id>/devices")
def devices(license_id: int):
    """List a license's devices, newest first."""
    return jsonify(shapes.page(queries.devices(_load(license_id).id), Device, shapes.devices))


def _act(license_id: int, permission: str, action) -> dict:
    license_ = _load(license_id)
    auth.require(permission)
    action(license_, actor=auth.principal().actor)
    return shapes.license_(license_)


@bp.post("/<int:license_id>/disable")
def disable(license_id: int):
    """Disable a license (edit_license): activation and check-in are refused."""
    answer = _act(license_id, "edit_license", actions.disable)
    auth.commit()
    return jsonify(answer)


@bp.post("/<int:license_id>/enable")
def enable(license_id: int):
    """Enable a disabled license (edit_license): back to its earlier status."""
    answer = _act(license_id, "edit_license", actions.enable)
    auth.commit()
    return jsonify(answer)


@bp.post("/<int:license_id>/reset")
def reset(license_id: int):
    """Reset a license (reset_license): every device deactivated, counts back to zero."""
    answer = _act(license_id, "reset_license", actions.reset)
    auth.commit()
    return jsonify(answer)
