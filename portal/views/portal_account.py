"""A license manager's sign-in life cycle: invitation, forgotten password, forced change."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, url_for
from flask_login import current_user

from portal import access, audit
from portal.audit import Actor
from portal.extensions import db, email_key, limiter
from portal.forms.auth import ForgotPasswordForm, SetPasswordForm
from portal.htmx import redirect_to, render
from portal.identity import MANAGER, load_principal
from portal.models import LicenseManager, LicenseUser
from portal.passwords import hash_password
from portal.services import mail, tokens
from portal.tenancy import all_tenants
from portal.views.auth import _start_session

bp = Blueprint("portal_account", __name__, url_prefix="/portal/password")

SENT = (
    "If that email belongs to a license manager, a link to set a new password is on its way. "
    "It works once and expires in {minutes} minutes."
)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", key_func=email_key, methods=["POST"], scope="forgot-email")
def forgot_password() -> Response:
    """Mail a single-use reset link; answer the same for known and unknown emails."""
    form = ForgotPasswordForm()
    if not form.is_submitted():
        return render("portal/password_forgot.html", "form", form=form, sent=None)
    if not form.validate():
        return render("portal/password_forgot.html", "form", status=422, form=form, sent=None)
    email = form.email.data.strip().lower()
    with all_tenants(db.session):
        managers = db.session.scalars(
            sa.select(LicenseUser)
            .join(LicenseManager, LicenseManager.license_user_id == LicenseUser.id)
            .where(LicenseUser.email == email, LicenseManager.status != "disabled")
        ).all()
        for user in managers:
            raw = tokens.issue(user, tokens.PASSWORD_RESET)
            mail.send_mail(
                user.email,
                "Reset your License Portal password",
                f"Someone asked to reset the password of {user.email}.\n\n"
                f"Set a new password here (the link works once and expires):\n{tokens.link(raw)}\n\n"
                "If this was not you, ignore this mail; your password stays as it is.",
                vendor_account_id=user.vendor_account_id,
            )
    db.session.commit()
    minutes = int(tokens.max_age(tokens.PASSWORD_RESET).total_seconds() // 60)  # .seconds drops days
    return render("portal/password_forgot.html", "form", form=form, sent=SENT.format(minutes=minutes))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    """Set a password from an invitation or reset link, then sign in."""
    form = SetPasswordForm()
    found = tokens.peek(token)
    if found is None:
        return render("portal/password_link_expired.html", status=410)
    _, user = found
    if not form.is_submitted():
        return render("portal/password_set.html", "form", form=form, user=user, purpose=found[0].purpose)
    if not form.validate():
        return render("portal/password_set.html", "form", status=422, form=form, user=user, purpose=found[0].purpose)
    if tokens.redeem(token) is None:
        return render("portal/password_link_expired.html", status=410)
    manager = db.session.scalar(sa.select(LicenseManager).where(LicenseManager.license_user_id == user.id))
    if manager is None or manager.status == "disabled":
        abort(403, description="Your access to the portal has been disabled.")
    user.password_hash = hash_password(form.password.data)
    user.is_initial_password = False
    if manager.status == "invited":
        manager.status = "active"
    manager.session_version += 1  # a new password ends every other session
    db.session.flush()
    principal = load_principal(MANAGER, manager.id)
    _start_session(principal)
    audit.record("manager.password_set", principal.manager, actor=Actor.of(principal.manager, ip=access.actor().ip))
    db.session.commit()
    flash("Password set. You are signed in.", "success")
    return redirect_to(url_for("end_user.dashboard.index"))


@bp.route("/change", methods=["GET", "POST"])
def change_password() -> Response:
    """Make a manager whose password someone else chose pick their own."""
    if not current_user.is_authenticated or current_user.kind != MANAGER:
        return redirect_to(url_for("auth.portal_login"))
    form = SetPasswordForm()
    if not form.is_submitted():
        return render("portal/password_change.html", "form", form=form)
    if not form.validate():
        return render("portal/password_change.html", "form", status=422, form=form)
    manager = current_user.manager
    manager.license_user.password_hash = hash_password(form.password.data)
    manager.license_user.is_initial_password = False
    # Whoever chose the first password may be signed in with it elsewhere: end those sessions.
    manager.session_version += 1
    _start_session(current_user._get_current_object())
    audit.record("manager.password_changed", manager)
    db.session.commit()
    flash("Password set.", "success")
    return redirect_to(url_for("end_user.dashboard.index"))
