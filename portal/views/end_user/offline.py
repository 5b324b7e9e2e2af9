"""End User Portal: offline activation and deactivation of air-gapped machines by request file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from flask_babel import lazy_gettext as _l

from portal import access
from portal.extensions import db
from portal.forms import submit
from portal.forms.offline import OfflineRequestForm
from portal.htmx import render
from portal.models import License
from portal.security import accepts_files
from portal.services.offline import actions

bp = Blueprint("offline", __name__)

UPLOAD = "end_user/offline/upload.html"
PAGES = {
    "activation": dict(
        heading=_l("Offline activation"),
        explanation=_l(
            "Upload the request file the software wrote on a machine without network access. "
            "The portal activates the machine under this license's rules and gives you a signed response "
            "file to copy back to it."
        ),
        button=_l("Activate and download the response"),
    ),
    "deactivation": dict(
        heading=_l("Offline deactivation"),
        explanation=_l(
            "Upload the deactivation request the software wrote on the offline machine. "
            "The portal deactivates the machine, frees its seat and gives you a signed response file."
        ),
        button=_l("Deactivate and download the response"),
    ),
}


def _download(document: dict[str, Any], kind: str, license_: License) -> Response:
    name = re.sub(r"[^A-Za-z0-9-]", "", license_.license_key or str(license_.id))[:64]
    response = Response(json.dumps(document, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="offline-{kind}-{name}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _offline(license_id: int, kind: str, permission: str, action: Callable[..., dict[str, Any]]) -> Response:
    """Load in scope, check the permission, read the file, act, commit, send the signed answer."""
    license_ = access.load_license(license_id)
    access.require(permission)
    form = OfflineRequestForm()
    if form.is_submitted():
        document = submit(form, lambda: action(license_, form.request_file.data.read(), actor=access.actor()))
        if document is not None:
            db.session.commit()
            return _download(document, kind, license_)
    status = 422 if form.is_submitted() else 200
    return render(UPLOAD, status=status, license=license_, form=form, kind=kind, **PAGES[kind])


@bp.route("/licenses/<int:license_id>/offline-activation", methods=["GET", "POST"])
@accepts_files("request_file")
def activation(license_id: int) -> Response:
    """Activate an offline machine from its request file; answer with a signed response file."""
    return _offline(license_id, "activation", "edit_license", actions.activate)


@bp.route("/licenses/<int:license_id>/offline-deactivation", methods=["GET", "POST"])
@accepts_files("request_file")
def deactivation(license_id: int) -> Response:
    """Deactivate an offline machine from its request file; answer with a signed response file."""
    return _offline(license_id, "deactivation", "reset_device", actions.deactivate)
