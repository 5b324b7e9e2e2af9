"""A manager's personal API tokens (``/portal/account/tokens``): create (shown once), revoke.

A token allows exactly what the manager's permissions allow in the portal, inside their orders.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, url_for
from flask_babel import gettext as _

from portal import access
from portal.extensions import db
from portal.forms import submit
from portal.forms.api_keys import TokenForm
from portal.htmx import redirect_to, render
from portal.services.tokens import actions, queries

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
TEMPLATE = "end_user/tokens/index.html"


@bp.get("")
def index() -> Response:
    """List the manager's own API tokens."""
    return render(TEMPLATE, form=TokenForm(), tokens=queries.tokens(access.manager().id), secret=None)


@bp.post("")
def create() -> Response:
    """Create a personal API token and show it this once."""
    manager = access.manager()
    form = TokenForm()
    made = submit(form, lambda: actions.create_token(manager.id, form.name.data or "", actor=access.actor()))
    if made is None:
        return render(TEMPLATE, status=422, form=form, tokens=queries.tokens(manager.id), secret=None)
    db.session.commit()
    token, secret = made
    return render(
        TEMPLATE,
        status=201,
        form=TokenForm(formdata=None),
        tokens=queries.tokens(manager.id),
        secret=secret,
        made=token,
    )


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    """Revoke one of the manager's tokens."""
    token = queries.token(access.manager().id, token_id) or abort(404)
    actions.revoke_token(token, actor=access.actor())
    db.session.commit()
    flash(_("API token %(name)s revoked.", name=token.name), "success")
    return redirect_to(url_for("end_user.tokens.index"))
