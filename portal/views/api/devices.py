"""Devices (``/api/v1/devices``): get, reset, revoke, inside the caller's orders."""

from __future__ import annotations

from flask import Blueprint, jsonify

from portal.models import Device
from portal.services.devices import actions
from portal.services.management import queries
from portal.views.api import auth, shapes

bp = Blueprint("devices", __name__, url_prefix="/devices")
auth.guard(bp)


def _load(device_id: int) -> Device:
    found: Device = shapes.one(queries.device(auth.principal().order_ids, device_id))
    return found


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
