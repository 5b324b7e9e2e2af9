"""End User Portal: device actions (reset, release, revoke, borrow) and floating seats in use."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import access, i18n
from portal.audit import Actor
from portal.extensions import db
from portal.forms import submit
from portal.forms.devices import BorrowForm
from portal.htmx import redirect_to, render, wants_fragment
from portal.lists import page_number, paginate
from portal.models import Device
from portal.services.devices import actions, queries
from portal.views.end_user._confirm import confirm
from portal.views.end_user.licenses import render_detail

bp = Blueprint("devices", __name__)

BORROW = "end_user/devices/borrow.html"


def render_floating(status: int = 200) -> Response:
    sort = queries.FLOATING_SORTS.parse(request.args.get("sort"))
    page = paginate(
        queries.floating_query(access.manager().id, sort),
        page_number(request.args.get("page")),
        options=queries.FLOATING_OPTIONS,
        args=queries.FLOATING_SORTS.args(sort),
    )
    return render("end_user/devices/floating.html", "seats", status=status, page=page, sort=sort)


def _back(device: Device) -> str:
    if request.values.get("back") == "floating":
        return url_for(".floating")
    return url_for("end_user.licenses.detail", license_id=device.license_id)


def after_action(device: Device) -> Response:
    """The region the action came from, fresh, for htmx; a redirect to it otherwise."""
    if not wants_fragment():
        return redirect_to(_back(device))
    if request.values.get("back") == "floating":
        return render_floating()
    # The device's license came without its product, policy and order: load the page's way.
    return render_detail(access.load_license(device.license_id))


Action = Callable[..., bool]


def _act(
    device_id: int, permission: str, question: str, label: str, action: Action, done: str, unchanged: str
) -> Response:
    """Load in scope, check the permission, confirm without JS, act, commit, answer.

    The texts come lazy (``_l``): they are put into the request's language here.
    """
    device = access.load_device(device_id)
    access.require(permission)
    if request.method == "GET":
        name = device.hostname or device.hardware_id
        return confirm(
            str(question) % {"device": name}, request.path, str(label), _back(device), back=request.args.get("back", "")
        )
    actor: Actor = access.actor()
    changed = action(device, actor=actor)
    db.session.commit()
    flash(str(done if changed else unchanged), "success" if changed else "info")
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
        _l("Reset %(device)s? It is deactivated and must activate again to use the license."),
        _l("Reset device"),
        actions.reset,
        _l("Device reset and license updated."),
        _l("The device was already deactivated."),
    )


@bp.route("/devices/<int:device_id>/release", methods=["GET", "POST"])
def release(device_id: int) -> Response:
    """Free the floating seat a device holds, such as one left by a machine that died."""
    return _act(
        device_id,
        "reset_device",
        _l("Release the floating seat held by %(device)s?"),
        _l("Release seat"),
        actions.release,
        _l("Floating seat released."),
        _l("The device holds no floating seat."),
    )


@bp.route("/devices/<int:device_id>/revoke", methods=["GET", "POST"])
def revoke(device_id: int) -> Response:
    """Block a device from activating the license again (and deactivate it now)."""
    return _act(
        device_id,
        "revoke_device",
        _l("Revoke %(device)s? It is deactivated and cannot activate this license again until the block is lifted."),
        _l("Revoke device"),
        actions.revoke,
        _l("Device blacklisted. It cannot activate this license again until you lift the block."),
        _l("The device was already revoked."),
    )


@bp.post("/devices/<int:device_id>/unrevoke")
def unrevoke(device_id: int) -> Response:
    """Lift a device's block: it may activate the license again."""
    return _act(
        device_id,
        "revoke_device",
        "",
        "",
        actions.unrevoke,
        _l("Block lifted: the device may activate again."),
        _l("The device was not revoked."),
    )


@bp.route("/devices/<int:device_id>/borrow", methods=["GET", "POST"])
def borrow(device_id: int) -> Response:
    """Let a device hold a floating seat until a date within the license's max borrow time."""
    device = access.load_device(device_id)
    access.require("borrow_license")
    form = BorrowForm()
    if request.method == "GET":
        return render(BORROW, "form", device=device, form=form)
    if submit(form, lambda: actions.borrow(device, form.until.data, actor=access.actor())) is None:
        return render(BORROW, "form", status=422, device=device, form=form)
    db.session.commit()
    flash(_("Seat borrowed until %(until)s UTC.", until=i18n.minute(device.borrowed_until)), "success")
    return redirect_to(_back(device))
