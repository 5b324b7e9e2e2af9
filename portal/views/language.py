"""The End User Portal's language chooser (``POST /portal/language``), signed in or not.

The choice goes into the session; a signed-in manager also keeps it (``license_manager.locale``),
and gets it back at the next sign-in. A choice made before signing in is kept through it.
"""

from __future__ import annotations

from flask import Blueprint, Response, session, url_for
from flask_login import current_user

from portal import access, i18n
from portal.errors import N_, Invalid
from portal.extensions import db
from portal.forms.language import LanguageForm
from portal.htmx import redirect_to
from portal.identity import MANAGER, Principal
from portal.services import languages

bp = Blueprint("language", __name__)


@bp.post("/portal/language")
def choose() -> Response:
    """Speak the chosen language; a signed-in manager keeps it for the next sign-in."""
    form = LanguageForm()
    if not form.validate():
        raise Invalid.at("locale", N_("Choose one of the portal's languages."))
    locale = str(form.locale.data)
    session[i18n.SESSION_KEY] = locale
    if current_user.is_authenticated and current_user.kind == MANAGER:
        languages.set_locale(current_user.manager, locale, actor=access.actor())
        db.session.commit()
        return redirect_to(access.safe_next(form.next.data) or url_for("end_user.dashboard.index"))
    session[i18n.CHOSEN_KEY] = True
    return redirect_to(access.safe_next(form.next.data) or url_for("auth.portal_login"))


def after_sign_in(principal: Principal) -> None:
    """The new session speaks the language chosen just before signing in, else the manager's own.

    A choice made on the sign-in page is the manager's newest: it is kept on the manager too. The
    language a browser kept from an earlier session (someone else's, perhaps) is not a choice: the
    manager's own, or else Accept-Language, replaces it.
    """
    manager = principal.manager
    chosen = i18n.valid(session.get(i18n.SESSION_KEY)) if session.pop(i18n.CHOSEN_KEY, False) else None
    if chosen:
        languages.set_locale(manager, chosen, actor=access.actor())
    locale = chosen or i18n.valid(manager.locale)
    if locale:
        session[i18n.SESSION_KEY] = locale
    else:
        session.pop(i18n.SESSION_KEY, None)
