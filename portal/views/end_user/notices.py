"""A manager's notices (``/portal/notices``): what the daily digest carries, and a private calendar feed.

The feed itself (``/portal/calendar/<secret>.ics``) is read by calendar apps that do not sign
in, so it lives outside this blueprint's guard, in ``portal/views/calendar.py``.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, request, url_for
from flask_babel import gettext as _

from portal import access
from portal.extensions import db
from portal.forms.notices import NoticesForm
from portal.htmx import redirect_to, render
from portal.services.notices import actions, queries
from portal.services.reports import summary
from portal.views.end_user._confirm import confirm

bp = Blueprint("notices", __name__, url_prefix="/notices")
TEMPLATE = "end_user/notices/index.html"


def _page(form: NoticesForm, status: int = 200, feed_url: str | None = None) -> Response:
    manager = access.manager()
    row = queries.row_of(manager.id)
    notices, counted_at = summary.notices_of(manager.id)
    return render(
        TEMPLATE,
        status=status,
        form=form,
        notices=notices,
        counted_at=counted_at,
        has_calendar=bool(row and row.calendar_token_hash),
        calendar_created_at=row.calendar_created_at if row else None,
        feed_url=feed_url,
    )


@bp.get("")
def index() -> Response:
    """Show what needs attention now, the digest switches and the calendar feed."""
    settings = queries.settings_of(access.manager().id)
    return _page(NoticesForm(data={kind: settings.wants(kind) for kind in ("expiring", "invitations", "floating")}))


@bp.post("")
def save() -> Response:
    """Switch kinds of notice on or off for the daily digest."""
    form = NoticesForm()
    if not form.validate():
        return _page(form, status=422)
    wanted = queries.Settings(bool(form.expiring.data), bool(form.invitations.data), bool(form.floating.data))
    changed = actions.save_settings(access.manager(), wanted, actor=access.actor())
    db.session.commit()
    flash(_("Your notices are saved.") if changed else _("Nothing changed."), "success")
    return redirect_to(url_for("end_user.notices.index"))


@bp.post("/calendar")
def calendar() -> Response:
    """Make a new private calendar address (ending the old one) and show it this once."""
    secret = actions.new_calendar_secret(access.manager(), actor=access.actor())
    db.session.commit()
    feed = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("calendar.feed", secret=secret)
    return _page(NoticesForm(formdata=None, data=queries.settings_of(access.manager().id).__dict__), 201, feed)


@bp.route("/calendar/revoke", methods=["GET", "POST"])
def revoke_calendar() -> Response:
    """End the private calendar address (asking first, without JavaScript); calendar apps that still ask get nothing."""
    if request.method == "GET":
        question = _("Stop the calendar address? Calendar apps using it will stop updating.")
        return confirm(question, request.path, _("Stop the address"), url_for(".index"))
    ended = actions.revoke_calendar(access.manager(), actor=access.actor())
    db.session.commit()
    flash(_("The calendar address no longer works.") if ended else _("There was no calendar address."), "success")
    return redirect_to(url_for("end_user.notices.index"))
