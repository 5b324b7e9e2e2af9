"""The End User Portal's reports (``/portal/reports``): usage of the manager's orders, charts and CSV exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from portal import access, charts, i18n
from portal.forms.reports import ReportRangeForm
from portal.htmx import render
from portal.services.reports import queries as reports
from portal.services.reports import summary
from portal.views.csv_export import stream_csv

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("")
def index() -> Response:
    """Show activations per product over a date range, seats used of total and the most active licenses."""
    form = ReportRangeForm(request.args)
    valid = form.validate()
    first, last = form.dates() if valid else reports.default_range()
    if valid:  # the fields show the range the charts cover
        form.start.data, form.end.data = first, last
    manager = access.manager()
    figures = summary.usage(manager.id, first, last)
    if figures.needs_count:
        summary.ask(manager)
    activity, seats, top = figures.activations, figures.seats, figures.top
    distribution = [(i18n.translate(label), count) for label, count in figures.distribution]
    per = _("Day") if activity.bucket_days == 1 else _("Week of")
    return render(
        "end_user/reports/index.html",
        "content",
        status=200 if valid else 422,
        form=form,
        first=first,
        last=last,
        counted_at=figures.counted_at,
        activations=charts.line_chart(
            activity.labels,
            list(activity.series.items()),
            _("Devices first activated per product"),
            x_title=per,
            y_title=_("Activations"),
            label_header=per,
            total_header=_("All products"),
        ),
        bucket_days=activity.bucket_days,
        seats=seats,
        seats_chart=seats_chart(seats),
        top_chart=charts.table_chart(
            charts.bar_chart([(_license_label(r), r.devices) for r in top], _("Most active licenses")),
            _("Most active licenses"),
            [_("License"), _("Product"), _("Order"), _("Active devices")],
            [(_license_label(r), r.product, r.reference, r.devices) for r in top],
        ),
        distribution_chart=charts.table_chart(
            charts.bar_chart(distribution, _("Licenses by number of active devices")),
            _("Licenses by number of active devices"),
            [_("Active devices"), _("Licenses")],
            distribution,
        ),
    )


def seats_chart(seats: list[reports.Seats]) -> charts.Chart:
    """Seats used of total per product, as the dashboard and the reports show it."""
    title = _("Seats used of total per product")
    return charts.table_chart(
        charts.usage_chart([(s.product, s.used, s.total) for s in seats], title),
        title,
        [_("Product"), _("Used"), _("Total"), _("Free")],
        [(s.product, s.used, s.total, s.free) for s in seats],
    )


def _license_label(row: Any) -> str:
    if row.license_key:
        return row.license_key
    return _("%(product)s · %(order)s · %(n)s seats", product=row.product, order=row.reference, n=row.max_license_users)


@bp.get("/licenses.csv")
def licenses_csv() -> Response:
    """Export the licenses of the manager's orders as CSV."""
    return stream_csv("licenses.csv", reports.LICENSE_COLUMNS, reports.license_rows(access.manager().id))


@bp.get("/devices.csv")
def devices_csv() -> Response:
    """Export the devices of the manager's orders' licenses as CSV."""
    return stream_csv("devices.csv", reports.DEVICE_COLUMNS, reports.device_rows(access.manager().id))
