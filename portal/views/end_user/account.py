"""The signed-in manager's own account: choosing a password of their own."""

from __future__ import annotations

from flask import Blueprint, Response, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import access
from portal.extensions import db
from portal.forms.auth import SetPasswordForm
from portal.htmx import redirect_to, render
from portal.services import sign_in
from portal.views.auth import start_session

bp = Blueprint("account", __name__, url_prefix="/password")


@bp.route("/change", methods=["GET", "POST"])
def change_password() -> Response:
    """Let a manager choose their own password; their other sessions end."""
    form = SetPasswordForm()
    if not form.is_submitted():
        return render("end_user/account/change_password.html", "form", form=form)
    if not form.validate():
        return render("end_user/account/change_password.html", "form", status=422, form=form)
    manager = access.manager()
    sign_in.set_own_password(manager, form.password.data or "", actor=access.actor(), action="manager.password_changed")
    start_session(current_user._get_current_object())  # signed in again, with the new version
    db.session.commit()
    flash(_("Password set."), "success")
    return redirect_to(url_for("end_user.dashboard.index"))
