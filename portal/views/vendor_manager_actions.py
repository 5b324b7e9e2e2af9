"""Actions on one license manager: disable, enable, resend the invitation, remove from orders.

Destructive actions ask first: ``hx-confirm`` with JavaScript, and without it a GET of the
same URL shows a confirmation page whose form posts back to it. An htmx post is answered
with the fresh pane (or Orders tab) and the flash; a form post with a 303 to the detail.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, request, url_for
from flask_login import current_user

from portal.extensions import db
from portal.htmx import render
from portal.models import LicenseManager
from portal.services import manager_admin
from portal.views.vendor_manager_detail import (
    _orders,
    _permissions,
    bp,
    done,
    load_manager,
)


def _confirm(
    manager: LicenseManager, title: str, question: str, button: str, cancel_url: str | None = None
) -> Response:
    return render(
        "vendor/manager_detail/confirm.html",
        "confirm",
        manager=manager,
        title=title,
        question=question,
        button=button,
        action=request.path,
        cancel_url=cancel_url or url_for(".detail", manager_id=manager.id),
    )


def _pane(manager: LicenseManager) -> Response:
    """The whole pane again: the header's status and the actions changed."""
    return _permissions(manager, block="pane")


def _act(manager: LicenseManager, action: Callable[[], object], message: str) -> Response:
    try:
        action()
    except manager_admin.Conflict as error:
        abort(409, description=str(error))
    db.session.commit()
    flash(message, "success")
    return done(url_for(".detail", manager_id=manager.id), lambda: _pane(manager))


@bp.route("/<int:manager_id>/disable", methods=["GET", "POST"])
def disable(manager_id: int) -> Response:
    """Disable a manager and end their open sessions at once (GET: ask first)."""
    manager = load_manager(manager_id)
    email = manager.license_user.email
    if request.method == "GET":
        return _confirm(
            manager,
            f"Disable {email}?",
            "They are signed out at once and cannot sign in until you enable them "
            "again. Their orders and permissions stay as they are.",
            "Disable",
        )
    return _act(
        manager, lambda: manager_admin.disable(manager), f"{email} is disabled; their open sessions have ended."
    )


@bp.post("/<int:manager_id>/enable")
def enable(manager_id: int) -> Response:
    """Let a disabled manager sign in again."""
    manager = load_manager(manager_id)
    return _act(manager, lambda: manager_admin.enable(manager), f"{manager.license_user.email} is enabled again.")


@bp.post("/<int:manager_id>/resend-invitation")
def resend_invitation(manager_id: int) -> Response:
    """Mail an invited manager a fresh set-password link."""
    manager = load_manager(manager_id)
    vendor_name = current_user.staff.vendor_account.name
    return _act(
        manager,
        lambda: manager_admin.resend_invitation(manager, vendor_name),
        f"A new invitation is on its way to {manager.license_user.email}.",
    )


@bp.route("/<int:manager_id>/remove-from-orders", methods=["GET", "POST"])
def remove_from_orders(manager_id: int) -> Response:
    """Stop the manager managing any order (GET: ask first)."""
    manager = load_manager(manager_id)
    email = manager.license_user.email
    if request.method == "GET":
        return _confirm(
            manager,
            f"Remove {email} from all orders?",
            "They keep their sign-in and permissions but no longer see or manage "
            "any license until you add orders again.",
            "Remove from all orders",
        )
    count = manager_admin.remove_from_all_orders(manager)
    db.session.commit()
    flash(
        f"{email} no longer manages any order ({count} removed)." if count else f"{email} manages no orders.",
        "success" if count else "info",
    )
    return done(url_for(".detail", manager_id=manager.id), lambda: _pane(manager))


@bp.route("/<int:manager_id>/orders/<int:order_id>/remove", methods=["GET", "POST"])
def remove_order(manager_id: int, order_id: int) -> Response:
    """Stop the manager managing one order (GET: ask first)."""
    manager = load_manager(manager_id)
    order = manager_admin.managed_order(manager, order_id)
    if order is None:
        abort(404)
    email = manager.license_user.email
    orders_url = url_for(".orders", manager_id=manager.id)
    if request.method == "GET":
        return _confirm(
            manager,
            f"Remove order {order.reference} from {email}?",
            "They no longer see or manage its licenses. The order itself stays.",
            "Remove order",
            cancel_url=orders_url,
        )
    manager_admin.remove_order(manager, order)
    db.session.commit()
    flash(f"{email} no longer manages order {order.reference}.", "success")
    return done(orders_url, lambda: _orders(manager))
