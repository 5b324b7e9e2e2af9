"""Who may open which side: signed in, and on the right side, checked per blueprint."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user

from portal.auth import MANAGER, STAFF
from portal.htmx import hx_redirect, is_htmx

LOGIN_ENDPOINT = {STAFF: "auth.vendor_login", MANAGER: "auth.portal_login"}
SIDE_NAME = {STAFF: "vendor staff", MANAGER: "license managers"}


def safe_next(target: str | None) -> str | None:
    """Accept only a path of this portal as a place to go after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def _login_redirect(kind: str) -> Response:
    url = url_for(LOGIN_ENDPOINT[kind], next=request.full_path.rstrip("?"))
    if is_htmx():
        current = request.headers.get("HX-Current-URL")
        url = url_for(LOGIN_ENDPOINT[kind], next=safe_next(_path_of(current)) or None)
        return hx_redirect(url)
    return redirect(url)


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def require_side(blueprint: Blueprint, kind: str) -> None:
    """Every view of the blueprint needs a signed-in person of this side."""

    @blueprint.before_request
    def _guard() -> Response | None:
        if not current_user.is_authenticated:
            return _login_redirect(kind)
        if current_user.kind != kind:
            abort(403, description=f"This page is for {SIDE_NAME[kind]}.")
        if kind == MANAGER and current_user.manager.license_user.is_initial_password:
            # Someone else chose this password: nothing else until the manager picks their own.
            url = url_for("portal_account.change_password")
            return hx_redirect(url, 200) if is_htmx() else redirect(url)
        return None
