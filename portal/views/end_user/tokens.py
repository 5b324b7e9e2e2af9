"""A manager's personal API tokens (``/portal/account/tokens``): create (shown once), revoke.

A token allows exactly what the manager's permissions allow in the portal, inside their orders.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _

from portal import access
from portal.extensions import db
from portal.forms import submit
from portal.forms.api_keys import TokenForm
from portal.htmx import redirect_to, render
from portal.lists import page_number, paginate
from portal.services.tokens import actions, queries
from portal.views.end_user._confirm import confirm

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
TEMPLATE = "end_user/tokens/index.html"


def render_tokens(status: int = 200, **context: Any) -> Response:
    """The tokens page with one sorted page of tokens, or the list alone for an htmx swap."""
    sort = queries.TOKEN_SORTS.parse(request.args.get("sort"))
    page = paginate(
        queries.tokens_query(access.manager().id, sort),
        page_number(request.args.get("page")),
        args=queries.TOKEN_SORTS.args(sort),
    )
    context.setdefault("form", TokenForm(formdata=None))
    context.setdefault("secret", None)
    return render(TEMPLATE, "token_list", status=status, page=page, sort=sort, **context)


@bp.get("")
def index() -> Response:
    """List the manager's own API tokens."""
    return render_tokens()


@bp.post("")
def create() -> Response:
    """Create a personal API token and show it this once."""
    manager = access.manager()
    form = TokenForm()
    made = submit(form, lambda: actions.create_token(manager.id, form.name.data or "", actor=access.actor()))
    if made is None:
        return render_tokens(422, form=form)
    db.session.commit()
    token, secret = made
    return render_tokens(201, secret=secret, made=token)


@bp.route("/<int:token_id>/revoke", methods=["GET", "POST"])
def revoke(token_id: int) -> Response:
    """Revoke one of the manager's tokens (asking first, without JavaScript)."""
    token = queries.token(access.manager().id, token_id) or abort(404)
    if request.method == "GET":
        question = _("Revoke %(name)s? Scripts using it are refused from now on.", name=token.name)
        return confirm(question, request.path, _("Revoke"), url_for(".index"))
    actions.revoke_token(token, actor=access.actor())
    db.session.commit()
    flash(_("API token %(name)s revoked.", name=token.name), "success")
    return redirect_to(url_for("end_user.tokens.index"))
