"""The signed-in staff member's own account (``/vendor/account``): password, two-factor sign-in, sessions.

Any role may change their own account (``access.ANY_ROLE_ENDPOINTS``). Staff of an account that
requires two-factor sign-in and have none are held on the enrolment page until it is on.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, session, url_for

from portal.htmx import hx_redirect, is_htmx
from portal.views import account_pages
from portal.views.account_pages import VENDOR
from portal.views.signing_in import MUST_ENROL

bp = Blueprint("account", __name__, url_prefix="/account")
# What staff who must turn two-factor sign-in on may still open.
WHILE_ENROLLING = {"vendor.account.two_factor", "auth.vendor_logout"}


def require_enrolment() -> Response | None:
    """Send staff who must turn on two-factor sign-in to its page (before every /vendor view)."""
    if session.get(MUST_ENROL) and request.endpoint not in WHILE_ENROLLING:
        url = url_for("vendor.account.two_factor")
        return hx_redirect(url, 200) if is_htmx() else redirect(url)  # type: ignore[return-value]
    return None


@bp.get("")
def index() -> Response:
    """Show who is signed in, their two-factor sign-in and their sessions."""
    return account_pages.overview(VENDOR)


@bp.route("/password", methods=["GET", "POST"])
def change_password() -> Response:
    """Change one's own password (the current one first); the other sessions end."""
    return account_pages.change_password(VENDOR)


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor() -> Response:
    """Turn two-factor sign-in on: a new secret, confirmed with a code; then the recovery codes."""
    return account_pages.enrol(VENDOR)


@bp.route("/two-factor/disable", methods=["GET", "POST"])
def two_factor_disable() -> Response:
    """Turn two-factor sign-in off, with the password (not when the account requires it)."""
    return account_pages.disable(VENDOR)


@bp.route("/two-factor/recovery-codes", methods=["GET", "POST"])
def recovery_codes() -> Response:
    """Replace the recovery codes with ten new ones, shown once."""
    return account_pages.recovery_codes(VENDOR)


@bp.route("/sessions/<int:session_id>/end", methods=["GET", "POST"])
def end_session(session_id: int) -> Response:
    """End another of one's sessions (a confirmation page first without JavaScript)."""
    return account_pages.end_session(VENDOR, session_id, request.method)


@bp.route("/sessions/end-others", methods=["GET", "POST"])
def end_other_sessions() -> Response:
    """End every session but this one."""
    return account_pages.end_others(VENDOR, request.method)
