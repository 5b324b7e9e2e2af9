"""The End User Portal's reports (``/portal/reports``): usage of the manager's orders, charts and CSV exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from flask_babel import gettext as _

from portal import access, charts, i18n
from portal.htmx import render
from portal.services.reports import queries as reports
from portal.views.csv_export import stream_csv

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("")
def index() -> Response:
    """Show activations per week, seats used of total and devices per license, with numbers."""
    manager_id = access.manager().id
    days, series = reports.weekly_activations(manager_id)
    weeks = [i18n.day_month(day) for day in days]
    seats = reports.seats_by_product(manager_id)
    top = reports.top_licenses_by_devices(manager_id)
    distribution = [(i18n.translate(label), count) for label, count in reports.device_distribution(manager_id)]
    return render(
        "end_user/reports/index.html",
        "content",
        weeks=weeks,
        series=series,
        activation_charts={
            product: charts.column_chart(
                list(zip(weeks, counts, strict=True)), _("%(product)s: activations per week", product=product)
            )
            for product, counts in series.items()
        },
        seats=seats,
        seats_chart=charts.usage_chart(
            [(s.product, s.used, s.total) for s in seats], _("Seats used of total per product")
        ),
        top=top,
        top_chart=charts.bar_chart(
            [(_license_label(r), r.devices) for r in top], _("Licenses with the most active devices")
        ),
        distribution=distribution,
        distribution_chart=charts.bar_chart(distribution, _("Licenses by number of active devices")),
    )


def _license_label(row: Any) -> str:
    return row.license_key or f"{row.product} #{row.id}"


@bp.get("/licenses.csv")
def licenses_csv() -> Response:
    """Export the licenses of the manager's orders as CSV."""
    return stream_csv("licenses.csv", reports.LICENSE_COLUMNS, reports.license_rows(access.manager().id))


@bp.get("/devices.csv")
def devices_csv() -> Response:
    """Export the devices of the manager's orders' licenses as CSV."""
    return stream_csv("devices.csv", reports.DEVICE_COLUMNS, reports.device_rows(access.manager().id))
