"""A manager's private calendar feed (``/portal/calendar/<secret>.ics``): their licenses' end dates.

Calendar apps fetch it without signing in, so the secret in the URL is the only key: it is
stored hashed, revocable on ``/portal/notices``, and an unknown or revoked one answers 404.
The feed is iCalendar (RFC 5545), one all-day event per license end date, written by the
``icalendar`` library.
"""

from __future__ import annotations

import datetime as dt

import icalendar
from flask import Blueprint, Response, abort, current_app

from portal.models import utcnow
from portal.services.notices import queries

bp = Blueprint("calendar", __name__)


@bp.get("/portal/calendar/<secret>.ics")
def feed(secret: str) -> Response:
    """Serve the end dates of the manager's licenses as an iCalendar feed."""
    manager = queries.open_calendar(secret) or abort(404)
    now = utcnow()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//License Portal//Expiry dates//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "License expiry dates")
    host = current_app.config["PORTAL_BASE_URL"].split("://", 1)[-1].rstrip("/")
    for license_ in queries.calendar_licenses(manager.id, now):
        if license_.valid_until is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"license-{license_.id}-expiry@{host}")
        event.add("dtstamp", now.replace(tzinfo=dt.UTC))
        event.add("dtstart", license_.valid_until.date())
        event.add("dtend", license_.valid_until.date() + dt.timedelta(days=1))
        event.add("summary", f"{license_.product.name} expires (order {license_.order.reference})")
        event.add(
            "description",
            f"License {license_.license_key or license_.id} ends {license_.valid_until:%Y-%m-%d %H:%M} UTC.",
        )
        cal.add_component(event)
    response = Response(cal.to_ical(), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = 'inline; filename="licenses.ics"'
    return response
