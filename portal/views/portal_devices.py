"""End User Portal: device actions (reset, release, revoke, borrow) and floating seats in use."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, flash, request, url_for

from portal import access, scope
from portal.access import require_side
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.forms.licenses import BorrowForm
from portal.htmx import redirect_to, render, wants_fragment
from portal.identity import MANAGER
from portal.lists import page_number, paginate
from portal.models import Device, License
from portal.services import devices
from portal.views.portal_licenses import confirm, render_detail

bp = Blueprint("portal_devices", __name__, url_prefix="/portal")
require_side(bp, MANAGER)


def floating_query() -> sa.Select:
    """Devices holding a floating seat on the manager's licenses, longest held first."""
    return (
        sa.select(Device)
        .join(License, License.id == Device.license_id)
        .where(License.order_id.in_(scope.managed_order_ids(access.manager().id)), Device.floating_in_use)
        .order_by(Device.floating_since, Device.id)
        .execution_options(populate_existing=True)
    )


def render_floating(status: int = 200) -> Response:
    page = paginate(
        floating_query(), page_number(request.args.get("page")), options=[so.contains_eager(Device.license)]
    )
    return render("portal/devices/floating.html", "seats", status=status, page=page)


def _back(device: Device) -> str:
    if request.values.get("back") == "floating":
        return url_for("portal_devices.floating")
    return url_for("portal_licenses.detail", license_id=device.license_id)


def after_action(device: Device) -> Response:
    """The region the action came from, fresh, for htmx; a redirect to it otherwise."""
    if not wants_fragment():
        return redirect_to(_back(device))
    if request.values.get("back") == "floating":
        return render_floating()
    # The device's license came without its product, policy and order: load the page's way.
    return render_detail(access.load_license(device.license_id))


def _act(device_id: int, permission: str, question: str, label: str, action, done: str, unchanged: str) -> Response:
    """Load in scope, check the permission, confirm without JS, act, commit, answer."""
    device = access.load_device(device_id)
    access.require(permission)
    if request.method == "GET":
        name = device.hostname or device.hardware_id
        return confirm(
            question.format(device=name), request.path, label, _back(device), back=request.args.get("back", "")
        )
    changed = action(device)
    db.session.commit()
    flash(done if changed else unchanged, "success" if changed else "info")
    return after_action(device)


@bp.get("/floating")
def floating() -> Response:
    """Show who holds each floating seat, on which host, since when; with a release button."""
    return render_floating()


@bp.route("/devices/<int:device_id>/reset", methods=["GET", "POST"])
def reset(device_id: int) -> Response:
    """Deactivate one device: the license counts down by one and any floating seat frees."""
    return _act(
        device_id,
        "reset_device",
        "Reset {device}? It is deactivated and must activate again to use the license.",
        "Reset device",
        devices.reset,
        "Device reset and license updated.",
        "The device was already deactivated.",
    )


@bp.route("/devices/<int:device_id>/release", methods=["GET", "POST"])
def release(device_id: int) -> Response:
    """Free the floating seat a device holds, such as one left by a machine that died."""
    return _act(
        device_id,
        "reset_device",
        "Release the floating seat held by {device}?",
        "Release seat",
        devices.release,
        "Floating seat released.",
        "The device holds no floating seat.",
    )


@bp.route("/devices/<int:device_id>/revoke", methods=["GET", "POST"])
def revoke(device_id: int) -> Response:
    """Block a device from activating the license again (and deactivate it now)."""
    return _act(
        device_id,
        "revoke_device",
        "Revoke {device}? It is deactivated and cannot activate this license again until the block is lifted.",
        "Revoke device",
        devices.revoke,
        "Device blacklisted. It cannot activate this license again until you lift the block.",
        "The device was already revoked.",
    )


@bp.post("/devices/<int:device_id>/unrevoke")
def unrevoke(device_id: int) -> Response:
    """Lift a device's block: it may activate the license again."""
    return _act(
        device_id,
        "revoke_device",
        "",
        "",
        devices.unrevoke,
        "Block lifted: the device may activate again.",
        "The device was not revoked.",
    )


@bp.route("/devices/<int:device_id>/borrow", methods=["GET", "POST"])
def borrow(device_id: int) -> Response:
    """Let a device hold a floating seat until a date within the license's max borrow time."""
    device = access.load_device(device_id)
    access.require("borrow_license")
    form = BorrowForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render("portal/devices/borrow.html", "form", status=status, device=device, form=form)
    try:
        devices.borrow(device, form.until.data)
    except Invalid as error:
        form.until.errors = [*form.until.errors, error.message]
        return render("portal/devices/borrow.html", "form", status=422, device=device, form=form)
    except Conflict as error:
        abort(409, description=error.message)
    db.session.commit()
    flash(f"Seat borrowed until {device.borrowed_until:%Y-%m-%d %H:%M} UTC.", "success")
    return redirect_to(_back(device))
