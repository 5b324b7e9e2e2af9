"""The front door: health check, favicon and the choice of side."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.services import health

bp = Blueprint("home", __name__)


@bp.get("/healthz")
def healthz() -> Response | tuple[str, int]:
    """Answer ok when the database answers."""
    if not health.database_answers():
        return "database unavailable", 503
    return Response("ok", mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Serve the favicon, so browsers log no 404."""
    return send_from_directory(bp.root_path + "/../static", "favicon.svg", mimetype="image/svg+xml")


@bp.get("/")
def index() -> ResponseReturnValue:
    """Send a signed-in person to their side, anyone else to the choice of sign-in."""
    if current_user.is_authenticated:
        if current_user.is_staff:
            return redirect(url_for("vendor.index"))
        return redirect(url_for("end_user.dashboard.index"))
    return render_template("home.html")
