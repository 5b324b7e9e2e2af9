"""The steps of signing in that the sign-in views share: limits, the second factor, the session.

A correct password alone does not sign a person with two-factor sign-in in: it leaves a
pending sign-in in the (signed) session cookie, good for five minutes, that the code step
completes. A session begun here gets a random ``sid`` and its record (``UserSession``).
"""

from __future__ import annotations

import math
import secrets
import time

from flask import Response, current_app, flash, request, session, url_for
from flask_login import login_user
from limits import parse
from werkzeug.exceptions import TooManyRequests

from portal import access, audit, i18n
from portal.audit import Actor
from portal.errors import N_
from portal.extensions import db, email_key, limiter
from portal.htmx import redirect_to
from portal.identity import MANAGER, STAFF, Principal, load_principal
from portal.models import utcnow
from portal.services.accounts import sessions, two_factor
from portal.services.branding import queries as branding
from portal.views import language

TOO_MANY = N_("Too many failed sign-ins for this email. Try again later.")
TOO_MANY_CODES = N_("Too many wrong codes. Try again later.")
PENDING = "pending_sign_in"
PENDING_SECONDS = 300
# Set for staff of an account that requires two-factor sign-in until they turn it on.
MUST_ENROL = "must_enrol_two_factor"
TWO_FACTOR_STEP = {STAFF: "auth.vendor_two_factor", MANAGER: "auth.portal_two_factor"}


class Attempt:
    """One attempt counted against a key (an email, a pending sign-in): hit first (atomic), given back on success."""

    def __init__(self, key: str, scope: str, message: str) -> None:
        self.item = parse(current_app.config["LOGIN_EMAIL_LIMIT"])
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
        self.args = [part for part in (prefix, key, scope) if part]
        self.counted = limiter.enabled and bool(limiter.initialized)
        if self.counted and not limiter.limiter.hit(self.item, *self.args):
            reset = limiter.limiter.get_window_stats(self.item, *self.args).reset_time
            raise TooManyRequests(message, retry_after=max(1, math.ceil(reset - time.time())))

    def succeeded(self) -> None:
        if self.counted:
            limiter.storage.incr(self.item.key_for(*self.args), self.item.get_expiry(), amount=-1)


def email_attempt() -> Attempt:
    return Attempt(email_key(), "sign-in-email", TOO_MANY)


def code_attempt(kind: str, record_id: int) -> Attempt:
    """The code step is limited like the password step, per person (whichever address tries)."""
    return Attempt(f"two-factor:{kind}:{record_id}", "sign-in-code", TOO_MANY_CODES)


def start_session(principal: Principal) -> None:
    """Begin a fresh session (new id, new record) for the person who just proved who they are; the language stays."""
    kept = {key: session[key] for key in (i18n.SESSION_KEY, i18n.CHOSEN_KEY) if key in session}
    session.clear()
    login_user(principal)
    sid = secrets.token_urlsafe(16)
    session["sid"] = sid
    session.update(kept)
    sessions.begin(
        principal.record, sid, user_agent=request.headers.get("User-Agent", ""), ip=(request.remote_addr or "")
    )
    principal.record.last_login_at = utcnow()


def refresh_session(principal: Principal) -> None:
    """Keep this browser signed in after the person's session version went up (the others end)."""
    login_user(principal)
    if principal.session_record is not None:
        principal.session_record.version = principal.record.session_version


def end_session(principal: Principal) -> None:
    """Sign out: this session's record ends and the version goes up, ending the person's sessions."""
    sessions.end_current(session.get("sid"))
    principal.record.session_version += 1


def hold_for_second_factor(principal: Principal, next_url: str | None) -> Response:
    """The password was right and a code is needed: remember who, for five minutes, then ask."""
    kept = {key: session[key] for key in (i18n.SESSION_KEY, i18n.CHOSEN_KEY) if key in session}
    session.clear()
    session.update(kept)
    session[PENDING] = {
        "kind": principal.kind,
        "id": principal.record.id,
        "version": principal.record.session_version,
        "at": int(time.time()),
        "next": next_url,
    }
    return redirect_to(url_for(TWO_FACTOR_STEP[principal.kind]))


def pending(kind: str) -> tuple[Principal, str | None] | None:
    """The sign-in waiting for its code on this side, if it is recent and the person unchanged."""
    held = session.get(PENDING)
    if not isinstance(held, dict) or held.get("kind") != kind or time.time() - held.get("at", 0) > PENDING_SECONDS:
        return None
    principal = load_principal(kind, int(held["id"]))
    if principal is None or principal.record.session_version != held.get("version"):
        return None
    return principal, held.get("next")


def complete(principal: Principal, next_url: str | None, *, via: str = "password") -> Response:
    """Sign the person in, audited, and send them on: their own password or enrolment first when due."""
    if principal.is_manager and principal.manager.status == "invited":
        principal.manager.status = "active"
    if principal.is_manager:
        principal.manager.license_user.last_login_at = utcnow()
    start_session(principal)
    if principal.is_manager:
        language.after_sign_in(principal)
    actor = Actor.of(principal.record, ip=access.actor().ip)
    action = "staff.signed_in" if principal.is_staff else "manager.signed_in"
    audit.record(action, principal.record, actor=actor, after={"second_factor": via} if via != "password" else None)
    must_enrol = (
        principal.is_staff
        and principal.brand is not None
        and principal.brand.staff_two_factor_required
        and two_factor.of(principal.record) is None
    )
    db.session.commit()
    if must_enrol:
        session[MUST_ENROL] = True
        flash("Your vendor account requires two-factor sign-in: turn it on to go on.", "warning")
        return redirect_to(url_for("vendor.account.two_factor"))
    if principal.is_manager and principal.manager.license_user.is_initial_password:
        return redirect_to(url_for("end_user.account.change_password"))
    home = url_for("vendor.index") if principal.is_staff else url_for("end_user.dashboard.index")
    return redirect_to(next_url or home)


def after_password(principal: Principal, next_url: str | None) -> Response:
    """The password checked out: ask for the second factor when the person has one, else sign in."""
    if two_factor.of(principal.record) is not None:
        return hold_for_second_factor(principal, next_url)
    return complete(principal, next_url)


def vendor_choices(principals: list[Principal]) -> list[tuple[int, str]]:
    """(manager id, vendor's brand name) for each vendor the person proved a password at."""
    names = branding.names([p.record.vendor_account_id for p in principals])
    return [(p.record.id, names.get(p.record.vendor_account_id, ("", ""))[0]) for p in principals]
