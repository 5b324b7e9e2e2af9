"""Sign-in, sign-out and the password links, for people not signed in yet.

Staff sign in at /vendor, license managers at /portal, or at their vendor's own address
/portal/<slug>/login, which looks only at that vendor's managers. At /portal/login an email
may belong to managers at several vendors: the password is checked against each, and only
when it is right at more than one does the page ask which vendor (listing only those), so
the page never tells which vendors an email has without its password. A person with
two-factor sign-in then enters a code (``portal.views.signing_in``).

The per-email limit on failed sign-ins is counted atomically: every attempt takes a hit before
the password is checked (a successful one gives it back), so 20 simultaneous wrong passwords
meet exactly the configured number of rejections before 429; the code step is limited the
same way per person. Forgot-password answers before it looks anything up: the look-up and the
mail are a job (portal.tasks) enqueued once the answer is sent, so a known and an unknown
email take the same time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, after_this_request, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal import access, i18n, tasks, tokens
from portal.access import safe_next
from portal.audit import Actor
from portal.errors import N_
from portal.extensions import db, email_key, limiter
from portal.forms.auth import ChooseVendorForm, CodeForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from portal.htmx import redirect_to, render
from portal.identity import MANAGER, STAFF, Principal, load_principal
from portal.passwords import verify_password
from portal.services import sign_in
from portal.services.accounts import passwords, two_factor
from portal.services.branding import queries as branding
from portal.views import language, signing_in
from portal.views.signing_in import start_session

bp = Blueprint("auth", __name__)
log = logging.getLogger("portal.auth")

# Marked, not translated here: the portal's sign-in answers in the request's language, the vendor's in English.
WRONG = N_("Email or password is incorrect.")
DISABLED = N_("Your access to the portal has been disabled. Ask your vendor to enable it.")
TOO_MANY_FROM_HERE = N_("Too many sign-in attempts from this address. Try again in a minute.")
SENT = N_(
    "If that email belongs to a license manager, a link to set a new password is on its way. "
    "It works once and expires in %(minutes)s minutes."
)
STAFF_SENT = "If that email belongs to vendor staff, a link to set a new password is on its way. It works once."
CHOICE = "sign_in_choice"


def _ip_limit(view):
    return limiter.limit(
        lambda: current_app.config["LOGIN_IP_LIMIT"],
        methods=["POST"],
        scope="sign-in-ip",
        error_message=TOO_MANY_FROM_HERE,
    )(view)


def _text(value: str | None, strip: bool = True) -> str:
    """A validated text field's value (the form checked it is there)."""
    return (value or "").strip() if strip else value or ""


def _next() -> str | None:
    return safe_next(request.args.get("next"))


def _login_page(template: str, form: LoginForm, status: int, error: str | None = None, **context):
    error = i18n.translate(error) if error else None
    return render(template, "form", status=status, form=form, error=error, next=_next(), **context)


@bp.route("/vendor/login", methods=["GET", "POST"])
@_ip_limit
def vendor_login() -> Response:
    """Sign vendor staff in (then the code step, when they have one)."""
    form = LoginForm()
    if request.method == "GET" or not form.validate():
        return _login_page("auth/vendor_login.html", form, 200 if request.method == "GET" else 422)
    attempt = signing_in.email_attempt()
    staff = sign_in.find_staff(_text(form.email.data).lower())
    if not verify_password(staff.password_hash if staff else None, _text(form.password.data, strip=False)) or not (
        staff and staff.is_active
    ):
        return _login_page("auth/vendor_login.html", form, 401, WRONG)
    attempt.succeeded()
    principal = load_principal(STAFF, staff.id)
    assert principal is not None
    return signing_in.after_password(principal, _next())


def _portal_sign_in(template: str, vendor_account_id: int | None = None, **context) -> Response:
    """Check a manager's email and password at /portal/login or one vendor's own sign-in page."""
    form = LoginForm()
    if request.method == "GET" or not form.validate():
        return _login_page(template, form, 200 if request.method == "GET" else 422, **context)
    attempt = signing_in.email_attempt()
    candidates = sign_in.find_managers(_text(form.email.data).lower(), vendor_account_id)
    password = _text(form.password.data, strip=False)
    matched = [m for m in candidates if verify_password(m.license_user.password_hash, password)]
    if not candidates:
        verify_password(None, password)
    if not matched:
        return _login_page(template, form, 401, _(WRONG), **context)
    usable = [m for m in matched if m.status != "disabled" and m.license_user.is_active]
    if not usable:
        return _login_page(template, form, 403, _(DISABLED), **context)
    attempt.succeeded()
    principals = [p for p in (load_principal(MANAGER, m.id) for m in usable) if p is not None]
    if len(principals) > 1:
        session.clear()
        session[CHOICE] = {"ids": [p.record.id for p in principals], "next": _next()}
        return redirect_to(url_for("auth.portal_choose_vendor"))
    return signing_in.after_password(principals[0], _next())


@bp.route("/portal/login", methods=["GET", "POST"])
@_ip_limit
def portal_login() -> Response:
    """Sign a license manager in to the End User Portal, asking which vendor when several match."""
    return _portal_sign_in("auth/portal_login.html")


@bp.route("/portal/<slug>/login", methods=["GET", "POST"])
@_ip_limit
def vendor_portal_login(slug: str) -> Response:
    """Sign a license manager in to one vendor's portal, at its own address."""
    found = branding.by_slug(slug)
    if found is None:
        abort(404)
    brand, vendor_name = found
    return _portal_sign_in("auth/portal_login.html", brand.vendor_account_id, brand=brand, vendor_name=vendor_name)


@bp.route("/portal/login/choose", methods=["GET", "POST"])
def portal_choose_vendor() -> Response:
    """Choose the vendor's portal to enter, among those where the password was right."""
    held, form = session.get(CHOICE), ChooseVendorForm()
    if not isinstance(held, dict):
        return redirect_to(url_for("auth.portal_login"))
    principals = [p for p in (load_principal(MANAGER, int(i)) for i in held["ids"]) if p is not None]
    choices = signing_in.vendor_choices(principals)
    if request.method == "GET" or not form.validate() or form.manager.data not in held["ids"]:
        status = 200 if request.method == "GET" else 422
        return render("auth/portal_choose.html", "form", status=status, form=form, choices=choices)
    chosen = next(p for p in principals if p.record.id == form.manager.data)
    return signing_in.after_password(chosen, held.get("next"))


def _code_step(kind: str, template: str) -> Response:
    held, form = signing_in.pending(kind), CodeForm()
    if held is None:
        flash(_("Sign in again: the sign-in waited too long for its code."), "warning")
        return redirect_to(url_for(access.LOGIN_ENDPOINT[kind]))
    principal, next_url = held
    if request.method == "GET" or not form.validate():
        return render(template, "form", status=200 if request.method == "GET" else 422, form=form)
    attempt = signing_in.code_attempt(kind, principal.record.id)
    factor = two_factor.of(principal.record)
    via = two_factor.verify(factor, _text(form.code.data)) if factor else None
    if via is None:
        db.session.commit()  # nothing was spent; ends the write transaction
        form.code.errors = [*form.code.errors, _(two_factor.WRONG_CODE)]
        return render(template, "form", status=401, form=form)
    attempt.succeeded()
    return signing_in.complete(principal, next_url, via=via)


@bp.route("/vendor/login/two-factor", methods=["GET", "POST"])
@_ip_limit
def vendor_two_factor() -> Response:
    """Take the code of a staff member's second factor, after their password."""
    return _code_step(STAFF, "auth/vendor_two_factor.html")


@bp.route("/portal/login/two-factor", methods=["GET", "POST"])
@_ip_limit
def portal_two_factor() -> Response:
    """Take the code of a manager's second factor, after their password."""
    return _code_step(MANAGER, "auth/portal_two_factor.html")


def _sign_out(login_endpoint: str) -> Response:
    if current_user.is_authenticated:
        signing_in.end_session(current_user._get_current_object())
        db.session.commit()
    locale = session.get(i18n.SESSION_KEY)
    logout_user()
    session.clear()
    if locale:
        session[i18n.SESSION_KEY] = locale  # the browser keeps its language
    return redirect_to(url_for(login_endpoint))


@bp.post("/vendor/logout")
def vendor_logout() -> Response:
    """Sign staff out, ending the session on the server."""
    return _sign_out("auth.vendor_login")


@bp.post("/portal/logout")
def portal_logout() -> Response:
    """Sign a license manager out, ending the session on the server."""
    return _sign_out("auth.portal_login")


def enqueue_reset_links(
    app: Flask, email: str, job: Callable[..., object] | None = None, locale: str | None = None
) -> None:
    """Enqueue the reset-link job for this email, known or not; runs after the answer."""
    with app.app_context():
        try:
            (job or tasks.mail_reset_links)(email, locale)
        except Exception:
            log.exception("reset mail for %s failed", email)


def _forgot(template: str, sent: str, job: Callable[[str], object]) -> Response:
    form = ForgotPasswordForm()
    if not form.is_submitted():
        return render(template, "form", form=form, sent=None)
    if not form.validate():
        return render(template, "form", status=422, form=form, sent=None)
    email, app = _text(form.email.data).lower(), current_app._get_current_object()  # type: ignore[attr-defined]
    locale = i18n.current_locale()

    @after_this_request
    def _after_the_answer(response: Response) -> Response:
        response.call_on_close(lambda: enqueue_reset_links(app, email, job, locale))
        return response

    return render(template, "form", form=form, sent=sent)


@bp.route("/portal/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", key_func=email_key, methods=["POST"], scope="forgot-email")
def forgot_password() -> Response:
    """Mail a single-use reset link; answer the same, in the same time, for known and unknown emails."""
    minutes = int(tokens.max_age(tokens.PASSWORD_RESET).total_seconds() // 60)  # .seconds drops days
    return _forgot("auth/password_forgot.html", _(SENT, minutes=minutes), tasks.mail_reset_links)


@bp.route("/vendor/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", key_func=email_key, methods=["POST"], scope="forgot-email")
def vendor_forgot_password() -> Response:
    """Mail staff a single-use reset link; the same answer, in the same time, for any email."""
    return _forgot("auth/vendor_password_forgot.html", STAFF_SENT, tasks.mail_staff_reset_link)


def _signed_in_after_reset(principal: Principal, home: str) -> Response:
    """A reset link proves the mailbox, not the second factor: with one, sign in again."""
    if two_factor.of(principal.record) is not None:
        db.session.commit()
        flash(_("Password set. Sign in with it and your code."), "success")
        return redirect_to(url_for(access.LOGIN_ENDPOINT[principal.kind]))
    start_session(principal)
    if principal.is_manager:
        language.after_sign_in(principal)
    db.session.commit()
    flash(_("Password set. You are signed in."), "success")
    return redirect_to(home)


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
    return _signed_in_after_reset(principal, url_for("end_user.dashboard.index"))


@bp.route("/vendor/password/reset/<token>", methods=["GET", "POST"])
def vendor_reset_password(token: str) -> Response:
    """Set a staff password from a reset link, then sign in."""
    form, staff = SetPasswordForm(), tokens.peek_staff(token)
    if staff is None or not staff.is_active:
        return render("auth/vendor_password_link_expired.html", status=410)
    if not form.is_submitted() or not form.validate():
        status = 422 if form.is_submitted() else 200
        return render("auth/vendor_password_set.html", "form", status=status, form=form, staff=staff)
    if tokens.redeem_staff(token) is None:
        return render("auth/vendor_password_link_expired.html", status=410)
    passwords.reset_staff_password(
        staff, _text(form.password.data, strip=False), actor=Actor.of(staff, ip=access.actor().ip)
    )
    principal = load_principal(STAFF, staff.id)
    assert principal is not None
    return _signed_in_after_reset(principal, url_for("vendor.index"))
