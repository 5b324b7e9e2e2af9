"""Devices (``/api/v1/devices``): list, get, reset, revoke, inside the caller's orders."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.lists import positive_id
from portal.models import Device
from portal.services.devices import actions
from portal.services.management import queries
from portal.views.api import auth, shapes

bp = Blueprint("devices", __name__, url_prefix="/devices")
auth.guard(bp)


def _load(device_id: int) -> Device:
    found: Device = shapes.one(queries.device(auth.principal().order_ids, device_id))
    return found


@bp.get("")
def index():
    """List the caller's devices, newest first; ``license_id`` and ``active`` (true, false) filter."""
    raw_license, raw_active = request.args.get("license_id"), request.args.get("active")
    license_id = positive_id(raw_license)
    if raw_license is not None and license_id is None:
        shapes.invalid("license_id", "Must be a positive integer id.")
    if raw_active not in (None, "true", "false"):
        shapes.invalid("active", "true or false.")
    active = None if raw_active is None else raw_active == "true"
    stmt = queries.all_devices(auth.principal().order_ids, license_id, active)
    return jsonify(shapes.page(stmt, Device, shapes.devices))


@bp.get("/<int:device_id>")
def detail(device_id: int):
    """Get one device."""
    return jsonify(shapes.device(_load(device_id)))


@bp.post("/<int:device_id>/reset")
def reset(device_id: int):
    """Reset (deactivate) a device (reset_device), freeing its activation."""
    device = _load(device_id)
    auth.require("reset_device")
    actions.reset(device, actor=auth.principal().actor)
    auth.commit()
    return jsonify(shapes.device(device))


@bp.post("/<int:device_id>/revoke")
def revoke(device_id: int):
    """Revoke a device (revoke_device): blocked from activating the license again."""
    device = _load(device_id)
    auth.require("revoke_device")
    actions.revoke(device, actor=auth.principal().actor)
    auth.commit()
    return jsonify(shapes.device(device))
