"""Vendor staff: the job runner (``/vendor/jobs``): jobs waiting, and failed ones with a retry.

Owners and admins retry; support staff read, as on every vendor page (the roles' rule that
``tests/vendor/test_staff_roles.py`` holds every ``/vendor`` page to).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, url_for
from flask_login import current_user

from portal import jobs
from portal.access import actor
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.lists import positive_id
from portal.services.jobs import actions, queries

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("")
def index() -> Response:
    """List the account's jobs waiting to run or to be retried, and those that failed for good."""
    pending = jobs.pending_of(current_user.vendor_account_id)
    return render("vendor/jobs/index.html", pending=pending, failed=queries.failed())


@bp.post("/<int:job_id>/retry")
def retry(job_id: int) -> Response:
    """Run a failed job again."""
    job = queries.get_failed(job_id) if positive_id(job_id) else None
    if job is None:
        abort(404)
    actions.retry(job, actor=actor())
    db.session.commit()
    flash(f"Job {job.task} queued again.", "success")
    return redirect_to(url_for(".index"))
