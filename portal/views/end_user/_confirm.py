"""The no-JavaScript confirmation page the End User Portal's destructive actions share."""

from __future__ import annotations

from flask import Response

from portal.htmx import render


def confirm(question: str, action: str, label: str, cancel: str, **hidden: str) -> Response:
    """A page asking the question, whose form posts to the same URL (``action``)."""
    return render("end_user/confirm.html", question=question, action=action, label=label, cancel=cancel, hidden=hidden)
