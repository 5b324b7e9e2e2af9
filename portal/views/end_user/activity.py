"""The End User Portal's activity (``/portal/activity``): the events the manager sees, newest first."""

from __future__ import annotations

from flask import Blueprint, Response, request

from portal import access, audit
from portal.htmx import render
from portal.lists import page_number
from portal.services.activity import queries

bp = Blueprint("activity", __name__, url_prefix="/activity")


@bp.get("")
def index() -> Response:
    """List the events on the manager's orders and objects, and the manager's own, newest first."""
    sort = queries.EVENT_SORTS.parse(request.args.get("sort"))
    page = queries.events_page(access.manager(), page_number(request.args.get("page")), sort)
    return render("end_user/activity/index.html", "results", page=page, sort=sort, audit=audit)
