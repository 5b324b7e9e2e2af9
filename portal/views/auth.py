"""Sign-in and sign-out for both sides: staff at /vendor, license managers at /portal."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, current_app, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal import access, audit
from portal.access import safe_next
from portal.audit import Actor
from portal.extensions import db, email_key, limiter
from portal.forms.auth import LoginForm
from portal.htmx import redirect_to, render
from portal.identity import MANAGER, STAFF, Principal, load_principal
from portal.models import LicenseManager, LicenseUser, StaffUser, utcnow
from portal.passwords import verify_password
from portal.tenancy import all_tenants

bp = Blueprint("auth", __name__)

WRONG = "Email or password is incorrect."
DISABLED = "Your access to the portal has been disabled. Ask your vendor to enable it."


def _failed_sign_in(response: Response) -> bool:
    """Count only failed attempts against the per-email limit."""
    return response.status_code in (401, 403)


def _sign_in_limits(view):
    view = limiter.limit(
        lambda: current_app.config["LOGIN_EMAIL_LIMIT"],
        key_func=email_key,
        methods=["POST"],
        deduct_when=_failed_sign_in,
        scope="sign-in-email",
        error_message="Too many failed sign-ins for this email. Try again later.",
    )(view)
    return limiter.limit(
        lambda: current_app.config["LOGIN_IP_LIMIT"],
        methods=["POST"],
        scope="sign-in-ip",
        error_message="Too many sign-in attempts from this address. Try again in a minute.",
    )(view)


def _start_session(principal: Principal) -> None:
    """Begin a fresh session (new id) for the person who just proved who they are."""
    session.clear()
    login_user(principal)
    session["sid"] = secrets.token_urlsafe(16)
    principal.record.last_login_at = utcnow()


def _end_session() -> None:
    """End this person's sessions on the server, not only in this browser."""
    if current_user.is_authenticated:
        current_user.record.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()


def _find_staff(email: str) -> StaffUser | None:
    with all_tenants(db.session):
        return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def _find_managers(email: str) -> list[LicenseManager]:
    """Managers with this email; one person may manage at several vendors."""
    with all_tenants(db.session):
        return list(
            db.session.scalars(
                sa.select(LicenseManager)
                .join(LicenseManager.license_user)
                .where(LicenseUser.email == email)
                .options(so.contains_eager(LicenseManager.license_user))
                .order_by(LicenseManager.id)
            )
        )


def _login_page(template: str, form: LoginForm, status: int, error: str | None = None):
    return render(template, "form", status=status, form=form, error=error, next=safe_next(request.args.get("next")))


@bp.route("/vendor/login", methods=["GET", "POST"])
@_sign_in_limits
def vendor_login() -> Response:
    """Sign vendor staff in."""
    form = LoginForm()
    if request.method == "GET":
        return _login_page("auth/vendor_login.html", form, 200)
    if not form.validate():
        return _login_page("auth/vendor_login.html", form, 422)
    staff = _find_staff(form.email.data.strip().lower())
    if not verify_password(staff.password_hash if staff else None, form.password.data) or not (
        staff and staff.is_active
    ):
        return _login_page("auth/vendor_login.html", form, 401, WRONG)
    principal = load_principal(STAFF, staff.id)
    _start_session(principal)
    audit.record("staff.signed_in", principal.staff, actor=Actor.of(principal.staff, ip=access.actor().ip))
    db.session.commit()
    target = safe_next(request.args.get("next")) or url_for("vendor.index")
    return redirect_to(target)


@bp.route("/portal/login", methods=["GET", "POST"])
@_sign_in_limits
def portal_login() -> Response:
    """Sign a license manager in to the End User Portal."""
    form = LoginForm()
    if request.method == "GET":
        return _login_page("auth/portal_login.html", form, 200)
    if not form.validate():
        return _login_page("auth/portal_login.html", form, 422)
    candidates = _find_managers(form.email.data.strip().lower())
    password = form.password.data
    manager = next((m for m in candidates if verify_password(m.license_user.password_hash, password)), None)
    if not candidates:
        verify_password(None, password)
    if manager is None:
        return _login_page("auth/portal_login.html", form, 401, WRONG)
    if manager.status == "disabled" or not manager.license_user.is_active:
        return _login_page("auth/portal_login.html", form, 403, DISABLED)
    principal = load_principal(MANAGER, manager.id)
    if principal.manager.status == "invited":
        principal.manager.status = "active"
    principal.manager.license_user.last_login_at = utcnow()
    _start_session(principal)
    audit.record("manager.signed_in", principal.manager, actor=Actor.of(principal.manager, ip=access.actor().ip))
    db.session.commit()
    if principal.manager.license_user.is_initial_password:
        return redirect_to(url_for("portal_account.change_password"))
    target = safe_next(request.args.get("next")) or url_for("end_user.dashboard.index")
    return redirect_to(target)


@bp.post("/vendor/logout")
def vendor_logout() -> Response:
    """Sign staff out, ending the session on the server."""
    _end_session()
    return redirect_to(url_for("auth.vendor_login"))


@bp.post("/portal/logout")
def portal_logout() -> Response:
    """Sign a license manager out, ending the session on the server."""
    _end_session()
    return redirect_to(url_for("auth.portal_login"))
