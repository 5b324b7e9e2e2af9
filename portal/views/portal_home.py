"""The End User Portal's dashboard."""

from __future__ import annotations

from flask import Blueprint

from portal.access import require_side
from portal.auth import MANAGER
from portal.htmx import render

bp = Blueprint("portal_home", __name__, url_prefix="/portal")
require_side(bp, MANAGER)


@bp.get("/")
def dashboard():
    """Show the manager's orders, seats, expiring licenses and recent activity."""
    return render("portal/dashboard.html")
