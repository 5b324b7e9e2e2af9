"""The End User Portal's dashboard (``/portal/``): orders, seats, expiring licenses, floating seats, activity."""

from __future__ import annotations

from flask import Blueprint, Response

from portal import access, audit
from portal.htmx import render
from portal.services.activity import queries as activity
from portal.services.reports import queries as reports
from portal.services.reports import summary
from portal.views.end_user.reports import seats_chart

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> Response:
    """Show the manager's orders, seats, expiring licenses, floating seats and recent activity."""
    manager = access.manager()
    figures = summary.dashboard(manager.id)
    if figures.needs_count:
        summary.ask(manager)
    return render(
        "end_user/dashboard/index.html",
        "content",
        order_count=figures.order_count,
        latest_orders=reports.latest_orders(manager.id),
        seats=figures.seats,
        seats_chart=seats_chart(figures.seats),
        expiring_count=figures.expiring_count,
        expiring=reports.expiring_soonest(manager.id, summary.EXPIRING_DAYS),
        expiring_days=summary.EXPIRING_DAYS,
        floating=figures.floating,
        activity=activity.recent(manager),
        audit=audit,
        attention=figures.attention,
        counted_at=figures.counted_at,
    )
