"""Who may open what, for the web: side per blueprint, scope loaders (404), permissions (403).

Every request runs load, then check, then act. ``require_side`` guards a whole blueprint
(signed in, on the right side). The loaders fetch an End User Portal object by id inside the
signed-in manager's scope (``portal.scope``) and answer 404 outside it, whatever the
permissions, so another customer's or vendor's object looks exactly like one that does not
exist. ``require(code)`` answers 403 naming the permission; ``can(code)`` is the same check as
a Jinja global, so pages show exactly the actions the server allows. ``actor()`` is the
signed-in person as the services take them.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user

from portal import permissions as perms
from portal import scope
from portal.audit import Actor
from portal.extensions import db
from portal.htmx import current_url, hx_redirect, is_htmx
from portal.identity import MANAGER, STAFF
from portal.models import Device, License, LicenseManager, LicenseUser, Order, UserGroup

T = TypeVar("T")

LOGIN_ENDPOINT = {STAFF: "auth.vendor_login", MANAGER: "auth.portal_login"}
CHANGE = "end_user.account.change_password"
SIDE_NAME = {STAFF: "vendor staff", MANAGER: "license managers"}


# Sides


def safe_next(target: str | None) -> str | None:
    """Accept only a path of this portal as a place to go after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _login_redirect(kind: str) -> Response:
    if is_htmx():
        return hx_redirect(url_for(LOGIN_ENDPOINT[kind], next=safe_next(_path_of(current_url())) or None))
    return redirect(url_for(LOGIN_ENDPOINT[kind], next=request.full_path.rstrip("?")))  # type: ignore[return-value]


def require_side(blueprint: Blueprint, kind: str) -> None:
    """Every view of the blueprint needs a signed-in person of this side."""

    @blueprint.before_request
    def _guard() -> Response | None:
        if not current_user.is_authenticated:
            return _login_redirect(kind)
        if current_user.kind != kind:
            abort(403, description=f"This page is for {SIDE_NAME[kind]}.")
        if kind == MANAGER and current_user.manager.license_user.is_initial_password and request.endpoint != CHANGE:
            # Someone else chose this password: nothing else until the manager picks their own.
            url = url_for(CHANGE)
            return hx_redirect(url, 200) if is_htmx() else redirect(url)  # type: ignore[return-value]
        return None


def actor() -> Actor:
    """The signed-in person (or nobody), with the address the request came from."""
    ip = (request.remote_addr or "")[:45]
    if not current_user.is_authenticated:
        return Actor.system(ip=ip)
    return Actor.of(current_user.record, ip=ip)


# End User Portal: scope, then permission


def manager() -> LicenseManager:
    """The signed-in license manager."""
    return current_user.manager  # type: ignore[no-any-return]


def _or_404(obj: T | None) -> T:
    if obj is None:
        abort(404)
    return obj


def load_order(order_id: int) -> Order:
    return _or_404(
        db.session.scalar(
            sa.select(Order)
            .where(Order.id == order_id, Order.id.in_(scope.managed_order_ids(manager().id)))
            .options(so.joinedload(Order.customer))
        )
    )


def load_license(license_id: int) -> License:
    return _or_404(
        db.session.scalar(
            sa.select(License)
            .where(License.id == license_id, License.order_id.in_(scope.managed_order_ids(manager().id)))
            .options(so.joinedload(License.product), so.joinedload(License.policy), so.joinedload(License.order))
        )
    )


def load_device(device_id: int) -> Device:
    return _or_404(
        db.session.scalar(
            sa.select(Device)
            .join(License, License.id == Device.license_id)
            .where(Device.id == device_id, License.order_id.in_(scope.managed_order_ids(manager().id)))
            .options(so.contains_eager(Device.license))
        )
    )


def load_license_user(user_id: int) -> LicenseUser:
    return _or_404(
        db.session.scalar(
            sa.select(LicenseUser).where(
                LicenseUser.id == user_id, LicenseUser.id.in_(scope.license_user_ids(manager()))
            )
        )
    )


def load_user_group(group_id: int) -> UserGroup:
    return _or_404(
        db.session.scalar(
            sa.select(UserGroup).where(
                UserGroup.id == group_id, UserGroup.id.in_(scope.managed_group_ids(manager().id))
            )
        )
    )


def can(code: str) -> bool:
    """Whether the signed-in manager holds a permission; a Jinja global for hiding buttons."""
    if not current_user.is_authenticated or not current_user.is_manager:
        return False
    return bool(current_user.manager.has_permission(code))


def require(code: str) -> None:
    """Abort 403 naming the permission when the signed-in manager does not hold it."""
    if not can(code):
        label = perms.label(code)
        abort(403, description=f"You need the “{label}” permission ({code}) to do this. Ask your vendor to grant it.")


def jinja_globals() -> dict[str, Any]:
    return {"can": can}
