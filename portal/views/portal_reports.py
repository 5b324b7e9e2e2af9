"""Usage reports of the manager's orders, drawn on the server, and CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, stream_with_context

from portal import access, charts
from portal.access import require_side
from portal.extensions import db
from portal.htmx import render
from portal.identity import MANAGER
from portal.services import portal_reports as reports
from portal.tenancy import current_tenant, set_tenant

bp = Blueprint("portal_reports", __name__, url_prefix="/portal")
require_side(bp, MANAGER)

FLUSH_AT = 16 * 1024


@bp.get("/reports")
def index() -> Response:
    """Show activations per week, seats used of total and devices per license, with numbers."""
    manager_id = access.manager().id
    weeks, series = reports.weekly_activations(manager_id)
    seats = reports.seats_by_product(manager_id)
    top = reports.top_licenses_by_devices(manager_id)
    distribution = reports.device_distribution(manager_id)
    return render(
        "portal/reports.html",
        "content",
        weeks=weeks,
        series=series,
        activation_charts={
            product: charts.column_chart(list(zip(weeks, counts, strict=True)), f"{product}: activations per week")
            for product, counts in series.items()
        },
        seats=seats,
        seats_chart=charts.usage_chart(
            [(s.product, s.used, s.total) for s in seats], "Seats used of total per product"
        ),
        top=top,
        top_chart=charts.bar_chart(
            [(_license_label(r), r.devices) for r in top], "Licenses with the most active devices"
        ),
        distribution=distribution,
        distribution_chart=charts.bar_chart(distribution, "Licenses by number of active devices"),
    )


def _license_label(row) -> str:
    return row.license_key or f"{row.product} #{row.id}"


def _cell(value) -> str:
    """One CSV cell; text a spreadsheet would run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(filename: str, header: list[str], rows: Iterable) -> Response:
    """Stream rows as CSV, a chunk at a time."""
    # The stream runs in a fresh app context, hence a fresh session: give it the same tenant.
    tenant = current_tenant(db.session)

    def generate() -> Iterator[str]:
        set_tenant(db.session, tenant)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            if buffer.tell() > FLUSH_AT:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/reports/licenses.csv")
def licenses_csv() -> Response:
    """Export the licenses of the manager's orders as CSV."""
    return _csv("licenses.csv", reports.LICENSE_COLUMNS, reports.license_rows(access.manager().id))


@bp.get("/reports/devices.csv")
def devices_csv() -> Response:
    """Export the devices of the manager's orders' licenses as CSV."""
    return _csv("devices.csv", reports.DEVICE_COLUMNS, reports.device_rows(access.manager().id))
