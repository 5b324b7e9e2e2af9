"""The End User Portal's dashboard (``/portal/``): orders, seats, expiring licenses, floating seats, activity."""

from __future__ import annotations

from flask import Blueprint, Response

from portal import access, audit
from portal.htmx import render
from portal.services.activity import queries as activity
from portal.services.notices import queries as notices
from portal.services.reports import queries as reports
from portal.views.end_user.reports import seats_chart

bp = Blueprint("dashboard", __name__)

EXPIRING_DAYS = 30


@bp.get("/")
def index() -> Response:
    """Show the manager's orders, seats, expiring licenses, floating seats and recent activity."""
    manager = access.manager()
    order_count, latest_orders = reports.order_summary(manager.id)
    seats = reports.seats_by_product(manager.id)
    expiring_count, expiring = reports.expiring(manager.id, EXPIRING_DAYS)
    return render(
        "end_user/dashboard/index.html",
        "content",
        order_count=order_count,
        latest_orders=latest_orders,
        seats=seats,
        seats_chart=seats_chart(seats),
        expiring_count=expiring_count,
        expiring=expiring,
        expiring_days=EXPIRING_DAYS,
        floating=reports.floating(manager.id),
        activity=activity.recent(manager),
        audit=audit,
        attention=notices.attention(manager.id),
    )
