"""The vendor's API keys (``/vendor/api-keys``): list with last use, create (the secret shown once), revoke.

Owner only for every change (``access.owner_only``); each change is audited.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, url_for
from flask_login import current_user

from portal import access
from portal.extensions import db
from portal.forms import submit
from portal.forms.api_keys import ApiKeyForm
from portal.htmx import redirect_to, render
from portal.services.api_keys import actions, queries

bp = Blueprint("api_keys", __name__, url_prefix="/api-keys")
TEMPLATE = "vendor/api_keys/index.html"


@bp.get("")
def index() -> Response:
    """List the account's API keys, live ones first, with when each was last used."""
    return render(TEMPLATE, form=ApiKeyForm(), keys=queries.keys(), secret=None)


@bp.post("")
@access.owner_only
def create() -> Response:
    """Create an API key and show its secret this once."""
    form = ApiKeyForm()
    made = submit(
        form,
        lambda: actions.create_key(
            form.name.data or "", form.access.data or "", staff_id=current_user.staff.id, actor=access.actor()
        ),
    )
    if made is None:
        return render(TEMPLATE, status=422, form=form, keys=queries.keys(), secret=None)
    db.session.commit()
    key, secret = made
    return render(TEMPLATE, status=201, form=ApiKeyForm(formdata=None), keys=queries.keys(), secret=secret, made=key)


@bp.post("/<int:key_id>/revoke")
@access.owner_only
def revoke(key_id: int) -> Response:
    """Revoke an API key: every call with it is refused from now on."""
    key = queries.key(key_id) or abort(404)
    actions.revoke_key(key, actor=access.actor())
    db.session.commit()
    flash(f"API key {key.name} revoked.", "success")
    return redirect_to(url_for("vendor.api_keys.index"))
