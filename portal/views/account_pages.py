"""The signed-in person's own account pages, the same on both sides (``/vendor/account``, ``/portal/account``).

Each side's area module (``views/vendor/account.py``, ``views/end_user/account.py``) holds the
URL rules and calls these with its side; templates in ``templates/account/`` extend the side's
layout. Ending sessions and turning two-factor sign-in off confirm first: ``hx-confirm`` with
JavaScript, a GET confirmation page without.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import access
from portal.extensions import db
from portal.forms import submit
from portal.forms.auth import ChangePasswordForm, ConfirmPasswordForm, EnableTwoFactorForm
from portal.htmx import redirect_to, render
from portal.identity import STAFF, Principal
from portal.services.accounts import passwords, sessions, two_factor
from portal.views import signing_in

SECRET = "two_factor_secret"


@dataclass(frozen=True)
class Side:
    kind: str
    base: str  # the layout the pages extend
    prefix: str  # endpoint prefix of the side's account area

    def url(self, name: str, **values: Any) -> str:
        return url_for(f"{self.prefix}.{name}", **values)


VENDOR = Side(STAFF, "vendor/base.html", "vendor.account")
PORTAL = Side("manager", "end_user/base.html", "end_user.account")


def _me() -> Principal:
    principal: Principal = current_user._get_current_object()
    return principal


def _required(principal: Principal) -> bool:
    return bool(principal.is_staff and principal.brand and principal.brand.staff_two_factor_required)


def _render(side: Side, template: str, status: int = 200, **context: Any) -> Response:
    return render(f"account/{template}", "content", status=status, side=side, base=side.base, **context)


def overview(side: Side) -> Response:
    me = _me()
    factor = two_factor.of(me.record)
    return _render(
        side,
        "index.html",
        me=me,
        factor=factor,
        codes_left=two_factor.codes_left(factor) if factor else 0,
        required=_required(me),
        live=list(db.session.scalars(sessions.live(me.record))),
        current_id=me.session_record.id if me.session_record else None,
        device_of=sessions.device_of,
    )


def change_password(side: Side) -> Response:
    form, me = ChangePasswordForm(), _me()
    if not form.is_submitted():
        return _render(side, "password.html", form=form)
    change = lambda: passwords.change_password(  # noqa: E731
        me.record, form.current_password.data or "", form.password.data or "", actor=access.actor()
    )
    if submit(form, change) is None:
        return _render(side, "password.html", status=422, form=form)
    signing_in.refresh_session(me)
    db.session.commit()
    flash(_("Password changed. Your other sessions have ended."), "success")
    return redirect_to(side.url("index"))


def _issuer(me: Principal) -> str:
    """The name authenticator apps list the code under: the one the header shows (brand, vendor, portal)."""
    if me.brand is not None and me.brand.brand_name:
        return me.brand.brand_name
    return me.staff.vendor_account.name if me.is_staff else _("End User Portal")


def enrol(side: Side) -> Response:
    """Show a new secret (kept in the signed session until confirmed) and turn TOTP on with a code."""
    me, form = _me(), EnableTwoFactorForm()
    if two_factor.of(me.record) is not None:
        return redirect_to(side.url("index"))
    secret = session.get(SECRET) or two_factor.new_secret()
    session[SECRET] = secret
    uri = two_factor.provisioning_uri(secret, me.email, issuer=_issuer(me))
    page: dict[str, Any] = {"secret": secret, "uri": uri, "qr": two_factor.qr_svg(uri), "form": form}
    if not form.is_submitted():
        return _render(side, "two_factor.html", **page)
    codes = submit(form, lambda: two_factor.enable(me.record, secret, form.code.data or "", actor=access.actor()))
    if codes is None:
        return _render(side, "two_factor.html", status=422, **page)
    session.pop(SECRET, None)
    session.pop(signing_in.MUST_ENROL, None)
    db.session.commit()
    return _render(side, "recovery_codes.html", codes=codes, fresh=True)


def _confirmed_by_password(side: Side, template: str, action: Callable[[], Any], **context: Any) -> Any:
    form, me = ConfirmPasswordForm(), _me()
    if not form.is_submitted():
        return _render(side, template, form=form, **context)
    check = lambda: passwords.confirm_password(me.record, form.password.data or "") and action()  # noqa: E731
    done = submit(form, check)
    if done is None:
        return _render(side, template, status=422, form=form, **context)
    return done


def _disable(me: Principal) -> bool:
    two_factor.disable(me.record, actor=access.actor(), required=_required(me))
    return True


def disable(side: Side) -> Response:
    me = _me()
    done = _confirmed_by_password(
        side,
        "two_factor_off.html",
        lambda: _disable(me),
        required=_required(me),
    )
    if isinstance(done, Response):
        return done
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect_to(side.url("index"))


def recovery_codes(side: Side) -> Response:
    me = _me()
    done = _confirmed_by_password(
        side, "recovery_codes_new.html", lambda: two_factor.regenerate_codes(me.record, actor=access.actor())
    )
    if isinstance(done, Response):
        return done
    db.session.commit()
    return _render(side, "recovery_codes.html", codes=done, fresh=False)


def end_session(side: Side, session_id: int, method: str) -> Response:
    me = _me()
    record = sessions.mine(me.record, session_id)
    if record is None:
        abort(404)
    if method == "GET":
        return _render(side, "end_session.html", record=record, device=sessions.describe(record))
    sessions.end(me.record, session_id, current_sid=session.get("sid"), actor=access.actor())
    db.session.commit()
    flash(_("That session has ended: its next request goes to the sign-in page."), "success")
    return redirect_to(side.url("index"))


def end_others(side: Side, method: str) -> Response:
    if method == "GET":
        return _render(side, "end_others.html")
    me = _me()
    count = sessions.end_others(me.record, current_sid=session.get("sid"), actor=access.actor())
    signing_in.refresh_session(me)
    db.session.commit()
    flash(_("Every other session has ended (%(n)s recorded).", n=count), "success")
    return redirect_to(side.url("index"))
