"""The signed-in manager's own account: password, two-factor sign-in, sessions (``/portal/account``).

``/portal/password/change`` is also where a manager whose password someone else set must
choose their own before anything else (``access.require_side``).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import access
from portal.extensions import db
from portal.forms.auth import SetPasswordForm
from portal.htmx import redirect_to, render
from portal.services import sign_in
from portal.views import account_pages
from portal.views.account_pages import PORTAL
from portal.views.signing_in import refresh_session

bp = Blueprint("account", __name__)


@bp.route("/password/change", methods=["GET", "POST"])
def change_password() -> Response:
    """Change one's password; a password someone else chose needs no current one. The other sessions end."""
    if not access.manager().license_user.is_initial_password:
        return account_pages.change_password(PORTAL)
    form = SetPasswordForm()
    if not form.is_submitted() or not form.validate():
        status = 422 if form.is_submitted() else 200
        return render("end_user/account/change_password.html", "form", status=status, form=form)
    manager = access.manager()
    sign_in.set_own_password(manager, form.password.data or "", actor=access.actor(), action="manager.password_changed")
    refresh_session(current_user._get_current_object())  # signed in again, with the new version
    db.session.commit()
    flash(_("Password set."), "success")
    return redirect_to(url_for("end_user.dashboard.index"))


@bp.get("/account")
def index() -> Response:
    """Show who is signed in, their organisation, two-factor sign-in and sessions."""
    return account_pages.overview(PORTAL)


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor() -> Response:
    """Turn two-factor sign-in on: a new secret, confirmed with a code; then the recovery codes."""
    return account_pages.enrol(PORTAL)


@bp.route("/account/two-factor/disable", methods=["GET", "POST"])
def two_factor_disable() -> Response:
    """Turn two-factor sign-in off, with the password."""
    return account_pages.disable(PORTAL)


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
def recovery_codes() -> Response:
    """Replace the recovery codes with ten new ones, shown once."""
    return account_pages.recovery_codes(PORTAL)


@bp.route("/account/sessions/<int:session_id>/end", methods=["GET", "POST"])
def end_session(session_id: int) -> Response:
    """End another of one's sessions (a confirmation page first without JavaScript)."""
    return account_pages.end_session(PORTAL, session_id, request.method)


@bp.route("/account/sessions/end-others", methods=["GET", "POST"])
def end_other_sessions() -> Response:
    """End every session but this one."""
    return account_pages.end_others(PORTAL, request.method)
