"""Sign-in, sign-out and the password links, for people not signed in yet.

Staff sign in at /vendor, license managers at /portal. The per-email limit on failed
sign-ins is counted atomically: every attempt takes a hit before the password is checked
(a successful one gives it back), so 20 simultaneous wrong passwords meet exactly the
configured number of rejections before 429. Forgot-password answers before it looks
anything up: the look-up and the mail are a job (portal.tasks) enqueued once the answer is sent, so a known and an
unknown email take the same time.
"""

from __future__ import annotations

import logging
import math
import secrets
import time

from flask import Blueprint, Flask, Response, abort, after_this_request, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from limits import parse
from werkzeug.exceptions import TooManyRequests

from portal import access, audit, i18n, tasks, tokens
from portal.access import safe_next
from portal.audit import Actor
from portal.errors import N_
from portal.extensions import db, email_key, limiter
from portal.forms.auth import ForgotPasswordForm, LoginForm, SetPasswordForm
from portal.htmx import redirect_to, render
from portal.identity import MANAGER, STAFF, Principal, load_principal
from portal.models import utcnow
from portal.passwords import verify_password
from portal.services import sign_in
from portal.views import language

bp = Blueprint("auth", __name__)
log = logging.getLogger("portal.auth")

# Marked, not translated here: the portal's sign-in answers in the request's language, the vendor's in English.
WRONG = N_("Email or password is incorrect.")
DISABLED = N_("Your access to the portal has been disabled. Ask your vendor to enable it.")
TOO_MANY = N_("Too many failed sign-ins for this email. Try again later.")
TOO_MANY_FROM_HERE = N_("Too many sign-in attempts from this address. Try again in a minute.")
SENT = N_(
    "If that email belongs to a license manager, a link to set a new password is on its way. "
    "It works once and expires in %(minutes)s minutes."
)


def _ip_limit(view):
    return limiter.limit(
        lambda: current_app.config["LOGIN_IP_LIMIT"],
        methods=["POST"],
        scope="sign-in-ip",
        error_message=TOO_MANY_FROM_HERE,
    )(view)


class EmailAttempt:
    """One sign-in attempt counted against its email: hit first (atomic), given back on success."""

    def __init__(self) -> None:
        self.item = parse(current_app.config["LOGIN_EMAIL_LIMIT"])
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
        self.args = [part for part in (prefix, email_key(), "sign-in-email") if part]
        self.counted = limiter.enabled and bool(limiter.initialized)
        if self.counted and not limiter.limiter.hit(self.item, *self.args):
            reset = limiter.limiter.get_window_stats(self.item, *self.args).reset_time
            raise TooManyRequests(TOO_MANY, retry_after=max(1, math.ceil(reset - time.time())))

    def succeeded(self) -> None:
        if self.counted:
            limiter.storage.incr(self.item.key_for(*self.args), self.item.get_expiry(), amount=-1)


def start_session(principal: Principal) -> None:
    """Begin a fresh session (new id) for the person who just proved who they are; the language stays."""
    kept = {key: session[key] for key in (i18n.SESSION_KEY, i18n.CHOSEN_KEY) if key in session}
    session.clear()
    login_user(principal)
    session["sid"] = secrets.token_urlsafe(16)
    session.update(kept)
    principal.record.last_login_at = utcnow()


def _end_session() -> None:
    """End this person's sessions on the server, not only in this browser; the browser keeps its language."""
    if current_user.is_authenticated:
        current_user.record.session_version += 1
        db.session.commit()
    locale = session.get(i18n.SESSION_KEY)
    logout_user()
    session.clear()
    if locale:
        session[i18n.SESSION_KEY] = locale


def _text(value: str | None, strip: bool = True) -> str:
    """A validated text field's value (the form checked it is there)."""
    return (value or "").strip() if strip else value or ""


def _login_page(template: str, form: LoginForm, status: int, error: str | None = None):
    error = i18n.translate(error) if error else None
    return render(template, "form", status=status, form=form, error=error, next=safe_next(request.args.get("next")))


@bp.route("/vendor/login", methods=["GET", "POST"])
@_ip_limit
def vendor_login() -> Response:
    """Sign vendor staff in."""
    form = LoginForm()
    if request.method == "GET":
        return _login_page("auth/vendor_login.html", form, 200)
    if not form.validate():
        return _login_page("auth/vendor_login.html", form, 422)
    attempt = EmailAttempt()
    staff = sign_in.find_staff(_text(form.email.data).lower())
    if not verify_password(staff.password_hash if staff else None, _text(form.password.data, strip=False)) or not (
        staff and staff.is_active
    ):
        return _login_page("auth/vendor_login.html", form, 401, WRONG)
    attempt.succeeded()
    principal = load_principal(STAFF, staff.id)
    assert principal is not None
    start_session(principal)
    audit.record("staff.signed_in", principal.staff, actor=Actor.of(principal.staff, ip=access.actor().ip))
    db.session.commit()
    return redirect_to(safe_next(request.args.get("next")) or url_for("vendor.index"))


@bp.route("/portal/login", methods=["GET", "POST"])
@_ip_limit
def portal_login() -> Response:
    """Sign a license manager in to the End User Portal."""
    form = LoginForm()
    if request.method == "GET":
        return _login_page("auth/portal_login.html", form, 200)
    if not form.validate():
        return _login_page("auth/portal_login.html", form, 422)
    attempt = EmailAttempt()
    candidates = sign_in.find_managers(_text(form.email.data).lower())
    password = _text(form.password.data, strip=False)
    manager = next((m for m in candidates if verify_password(m.license_user.password_hash, password)), None)
    if not candidates:
        verify_password(None, password)
    if manager is None:
        return _login_page("auth/portal_login.html", form, 401, WRONG)
    if manager.status == "disabled" or not manager.license_user.is_active:
        return _login_page("auth/portal_login.html", form, 403, DISABLED)
    attempt.succeeded()
    principal = load_principal(MANAGER, manager.id)
    assert principal is not None
    if principal.manager.status == "invited":
        principal.manager.status = "active"
    principal.manager.license_user.last_login_at = utcnow()
    start_session(principal)
    language.after_sign_in(principal)
    audit.record("manager.signed_in", principal.manager, actor=Actor.of(principal.manager, ip=access.actor().ip))
    db.session.commit()
    if principal.manager.license_user.is_initial_password:
        return redirect_to(url_for("end_user.account.change_password"))
    return redirect_to(safe_next(request.args.get("next")) or url_for("end_user.dashboard.index"))


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


def enqueue_reset_links(app: Flask, email: str, locale: str | None = None) -> None:
    """Enqueue the reset-link job for this email, known or not; runs after the answer."""
    with app.app_context():
        try:
            tasks.mail_reset_links(email, locale)
        except Exception:
            log.exception("reset mail for %s failed", email)


@bp.route("/portal/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", key_func=email_key, methods=["POST"], scope="forgot-email")
def forgot_password() -> Response:
    """Mail a single-use reset link; answer the same, in the same time, for known and unknown emails."""
    form = ForgotPasswordForm()
    if not form.is_submitted():
        return render("auth/password_forgot.html", "form", form=form, sent=None)
    if not form.validate():
        return render("auth/password_forgot.html", "form", status=422, form=form, sent=None)
    email, app = _text(form.email.data).lower(), current_app._get_current_object()  # type: ignore[attr-defined]
    locale = i18n.current_locale()

    @after_this_request
    def _after_the_answer(response: Response) -> Response:
        response.call_on_close(lambda: enqueue_reset_links(app, email, locale))
        return response

    minutes = int(tokens.max_age(tokens.PASSWORD_RESET).total_seconds() // 60)  # .seconds drops days
    return render("auth/password_forgot.html", "form", form=form, sent=_(SENT, minutes=minutes))


@bp.route("/portal/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    """Set a password from an invitation or reset link, then sign in."""
    form, found = SetPasswordForm(), tokens.peek(token)
    if found is None:
        return render("auth/password_link_expired.html", status=410)
    purpose, user = found[0].purpose, found[1]
    if not form.is_submitted() or not form.validate():
        status = 422 if form.is_submitted() else 200
        return render("auth/password_set.html", "form", status=status, form=form, user=user, purpose=purpose)
    if tokens.redeem(token) is None:
        return render("auth/password_link_expired.html", status=410)
    manager = sign_in.manager_of(user)
    if manager is None or manager.status == "disabled":
        abort(403, description=_("Your access to the portal has been disabled."))
    sign_in.set_own_password(
        manager,
        _text(form.password.data, strip=False),
        actor=Actor.of(manager, ip=access.actor().ip),
        action="manager.password_set",
    )
    principal = load_principal(MANAGER, manager.id)
    assert principal is not None
    start_session(principal)
    language.after_sign_in(principal)
    db.session.commit()
    flash(_("Password set. You are signed in."), "success")
    return redirect_to(url_for("end_user.dashboard.index"))
