"""The End User Portal's dashboard: orders, seats, expiring licenses, floating seats, activity."""

from __future__ import annotations

from flask import Blueprint, Response

from portal import access, charts
from portal.access import require_side
from portal.htmx import render
from portal.identity import MANAGER
from portal.services import portal_reports as reports

bp = Blueprint("portal_home", __name__, url_prefix="/portal")
require_side(bp, MANAGER)

EXPIRING_DAYS = 30


@bp.get("/")
def dashboard() -> Response:
    """Show the manager's orders, seats, expiring licenses, floating seats and recent activity."""
    manager = access.manager()
    order_count, latest_orders = reports.order_summary(manager.id)
    seats = reports.seats_by_product(manager.id)
    expiring_count, expiring = reports.expiring(manager.id, EXPIRING_DAYS)
    return render(
        "portal/dashboard.html",
        "content",
        order_count=order_count,
        latest_orders=latest_orders,
        seats=seats,
        seats_chart=charts.usage_chart(
            [(s.product, s.used, s.total) for s in seats], "Seats used of total per product"
        ),
        expiring_count=expiring_count,
        expiring=expiring,
        expiring_days=EXPIRING_DAYS,
        floating=reports.floating(manager.id),
        activity=reports.recent_activity(manager),
        count_cap=reports.COUNT_CAP,
    )
