"""Who may open what, for the web: side per blueprint, scope loaders (404), permissions (403).

Every request runs load, then check, then act. ``require_side`` guards a whole blueprint
(signed in, on the right side). The loaders fetch an End User Portal object by id inside the
signed-in manager's scope (``portal.scope``) and answer 404 outside it, whatever the
permissions, so another customer's or vendor's object looks exactly like one that does not
exist. ``require(code)`` answers 403 naming the permission; ``can(code)`` is the same check as
a Jinja global, so pages show exactly the actions the server allows. ``actor()`` is the
signed-in person as the services take them.

Staff roles are the vendor platform's counterpart: ``check_staff_role`` runs before every
``/vendor`` view (a write needs admin or owner, an ``owner_only`` view needs owner) and
``staff_can`` is the same rule as a Jinja global. Scope still comes first there: before
refusing a role, the ids in the URL are looked up inside the vendor account, and one outside
it answers 404 like for anyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from portal import permissions as perms
from portal import scope
from portal.audit import Actor
from portal.errors import N_
from portal.extensions import db
from portal.htmx import current_url, hx_redirect, is_htmx
from portal.identity import MANAGER, STAFF, VIEW_AS
from portal.lists import MAX_ID
from portal.models import (
    ApiKey,
    BulkRun,
    Device,
    FailedJob,
    License,
    LicenseManager,
    LicenseUser,
    Order,
    SavedView,
    UserGroup,
    UserSession,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.account import ADMIN, OWNER, SUPPORT
from portal.services import impersonation

T = TypeVar("T")

LOGIN_ENDPOINT = {STAFF: "auth.vendor_login", MANAGER: "auth.portal_login"}
CHANGE = "end_user.account.change_password"
SIDE_NAME = {STAFF: N_("vendor staff"), MANAGER: N_("license managers")}


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
            abort(403, description=N_("This page is for %(side)s.", side=SIDE_NAME[kind]))
        if (
            kind == MANAGER
            and current_user.impersonator is None
            and current_user.manager.license_user.is_initial_password
            and request.endpoint != CHANGE
        ):
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
    manager: LicenseManager = current_user.manager
    return manager


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
        message = N_(
            "You need the “%(label)s” permission (%(code)s) to do this. Ask your vendor to grant it.",
            label=label,
            code=code,
        )
        abort(403, description=message)


# Vendor platform: staff roles

# What each role is for; the checks below read only the rank.
ROLE_RANK = {SUPPORT: 0, ADMIN: 1, OWNER: 2}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Named actions for ``staff_can`` in templates, each with the weakest role allowed to do it.
STAFF_ACTIONS = {
    "view": SUPPORT,
    "view_as_manager": SUPPORT,
    "write": ADMIN,
    "manage_managers": ADMIN,
    "edit_permissions": ADMIN,
    "edit_default_permissions": ADMIN,
    "manage_orders": ADMIN,
    "manage_settings": OWNER,
    "manage_api_keys": OWNER,
    "manage_staff": OWNER,
}
# Endpoints any staff member may post to whatever their role (signing out, for one).
# Every role manages its own account: password, two-factor sign-in, sessions, a forgotten password.
ANY_ROLE_ENDPOINTS = {
    "auth.vendor_login",
    "auth.vendor_logout",
    "auth.vendor_two_factor",
    "auth.vendor_forgot_password",
    "auth.vendor_reset_password",
    "vendor.account.change_password",
    "vendor.account.two_factor",
    "vendor.account.two_factor_disable",
    "vendor.account.recovery_codes",
    "vendor.account.end_session",
    "vendor.account.end_other_sessions",
    # The columns a staff member sees in the managers list are their own display choice.
    "vendor.license_manager_list.columns",
}
# Endpoints only an owner may write to, besides the views marked ``@owner_only``.
OWNER_ONLY_ENDPOINTS: set[str] = set()

F = TypeVar("F", bound=Callable[..., Any])


def owner_only(view: F) -> F:
    """Mark a vendor view as owner-only: every method but GET/HEAD/OPTIONS needs the owner role."""
    view.owner_only = True  # type: ignore[attr-defined]
    return view


def staff_role() -> str | None:
    """The signed-in staff member's role, or None for anyone else."""
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    return str(current_user.staff.role)


def _needed(role_or_action: str) -> str:
    if role_or_action in ROLE_RANK:
        return role_or_action
    if role_or_action in STAFF_ACTIONS:
        return STAFF_ACTIONS[role_or_action]
    raise ValueError(f"Unknown staff role or action: {role_or_action!r}")


def staff_can(role_or_action: str) -> bool:
    """Whether the signed-in staff member's role reaches a role or named action; a Jinja global."""
    needed = _needed(role_or_action)
    role = staff_role()
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[needed]


def role_needed(endpoint: str | None, method: str) -> str:
    """The weakest role that may send this method to this vendor endpoint."""
    if method in READ_METHODS or endpoint in ANY_ROLE_ENDPOINTS:
        return SUPPORT
    view = current_app.view_functions.get(endpoint or "")
    if endpoint in OWNER_ONLY_ENDPOINTS or getattr(view, "owner_only", False):
        return OWNER
    return ADMIN


def _refusal(role: str, needed: str) -> str:
    vendor = current_user.staff.vendor_account.name
    who = "an owner" if needed == OWNER else "an owner or admin"
    if role == SUPPORT:
        return f"Your role ({role}) is read-only: ask {who} of {vendor} to make this change."
    return f"Your role ({role}) cannot do this: ask {who} of {vendor} to make this change."


# The model each id argument of a /vendor URL rule names, so a refusal can check scope first.
# A /vendor rule with an id argument not listed here fails tests/vendor/test_staff_roles.py.
SCOPED_ARGUMENTS: dict[str, type[Any]] = {
    "manager_id": LicenseManager,
    "order_id": Order,
    "key_id": ApiKey,
    "endpoint_id": WebhookEndpoint,
    "delivery_id": WebhookDelivery,
    "job_id": FailedJob,
    "session_id": UserSession,
    "run_id": BulkRun,
    "view_id": SavedView,
    "group_id": UserGroup,
}


def _outside_tenant(view_args: dict[str, Any]) -> bool:
    """Whether an id in the URL names no row of the signed-in vendor account (tenancy scopes the look-up)."""
    for argument, value in view_args.items():
        model = SCOPED_ARGUMENTS.get(argument)
        if model is None:
            continue
        if not isinstance(value, int) or not 0 < value <= MAX_ID:
            return True
        if db.session.scalar(sa.select(model.id).where(model.id == value)) is None:
            return True
    return False


def check_staff_role() -> None:
    """Abort 403 naming the role needed when the signed-in staff member's role does not reach it.

    Runs before every ``/vendor`` view, ahead of the side guard, so it leaves anyone who is not
    signed-in staff to that guard. Scope before permission: an id in the URL outside the vendor
    account answers 404, the same as for an admin, and only then does the role refuse (403).
    The ids are looked up only when the role falls short, so allowed requests pay nothing.
    """
    role = staff_role()
    if role is None or request.url_rule is None or not request.path.startswith("/vendor"):
        return
    needed = role_needed(request.endpoint, request.method)
    if ROLE_RANK.get(role, -1) < ROLE_RANK[needed]:
        if _outside_tenant(request.view_args or {}):
            abort(404)
        abort(403, description=_refusal(role, needed))


# Viewing the portal as a manager (lm-manage): read-only on the server, for every write ---------

# Starting and ending it write only their audit events, so every staff role may (support's
# whole job is to see what the customer sees); the views are portal/views/vendor/impersonation.py.
VIEW_AS_ENDPOINTS = {"vendor.impersonation.start", "vendor.impersonation.end"}
ANY_ROLE_ENDPOINTS |= VIEW_AS_ENDPOINTS
READ_ONLY_PATHS = ("/portal", "/api")


def impersonator() -> Any:
    """The staff member viewing the portal as the signed-in manager, or None."""
    return getattr(current_user, "impersonator", None)


def end_view_as(reason: str) -> str | None:
    """End viewing as a manager (audited) and return to the staff member's own session; the manager's id."""
    view = session.pop(VIEW_AS, None)
    if not view:
        return None
    staff = impersonator() or (current_user.staff if current_user.is_staff else None)
    if staff is not None:
        impersonation.end(view, actor=Actor.of(staff, ip=(request.remote_addr or "")[:45]), reason=reason)
    return str(view.get("manager_id", ""))


def refuse_writes_while_viewing_as() -> Response | None:
    """Before every End User Portal and API request of a session viewing as a manager.

    Any method but GET/HEAD/OPTIONS is refused (403, naming whom the staff member views as),
    whatever the endpoint, so a write added later is refused too. The portal's sign-out ends
    the view instead. A manager disabled or removed meanwhile ends it on the next request.
    """
    if VIEW_AS not in session or not request.path.startswith(READ_ONLY_PATHS):
        return None
    viewer = impersonator()
    lapsed = viewer is None and current_user.is_authenticated and current_user.is_staff
    if lapsed and request.path.startswith("/portal"):
        manager_id = end_view_as(impersonation.MANAGER_GONE)
        db.session.commit()
        flash("The manager you were viewing the portal as was disabled or removed; the view has ended.", "info")
        return _back_to_vendor(manager_id)
    if viewer is not None and request.endpoint == "auth.portal_logout":
        manager_id = end_view_as(impersonation.EXIT)
        db.session.commit()
        return _back_to_vendor(manager_id)
    # The API answers to keys and tokens, not to this session; a write from the viewing browser is refused all the same.
    if (viewer is not None or request.path.startswith("/api")) and request.method not in READ_METHODS:
        label = (session.get(VIEW_AS) or {}).get("label") or current_user.email
        abort(403, description=f"Read-only: viewing as {label}. Nothing was changed.")
    return None


def _back_to_vendor(manager_id: str | None) -> Response:
    url = f"/vendor/license-managers/{manager_id}" if manager_id else "/vendor/license-managers"
    return hx_redirect(url, 200) if is_htmx() else redirect(url, code=303)  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------


def jinja_globals() -> dict[str, Any]:
    return {"can": can, "impersonator": impersonator}
