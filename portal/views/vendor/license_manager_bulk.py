"""Vendor staff: bulk actions over a selection of license managers, their progress and the CSV of a selection.

The list's bulk toolbar is one form. With JavaScript its Apply button posts here (after
``hx-confirm``) and the answer swaps into the list's ``#bulk-run`` region; without it the form
asks for the confirmation page (GET), whose form posts here and is answered with a 303 to the
run's page. A few managers are changed in the request; many by the job runner, a chunk per
job, while the run's page (and its fragment, polling itself every second) shows the progress.
Support staff are refused every POST by the staff-role check, before any of this runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request

from portal import jobs, tasks
from portal.access import actor
from portal.errors import Invalid
from portal.extensions import db
from portal.forms import put_errors, submit
from portal.forms.license_manager_list import BulkForm
from portal.htmx import is_htmx, render, retarget, trigger, wants_fragment
from portal.models import BulkRun
from portal.services.license_managers import bulk, overview
from portal.services.license_managers.overview import OverviewQuery
from portal.views.csv_export import stream_csv

bp = Blueprint("license_manager_bulk", __name__)

BASE = overview.BASE_URL
T = "vendor/license_managers/"
CHANGED = "licenseManagerChanged"  # the list refreshes its rows on it
INLINE_MAX = 50  # at most this many managers are changed in the request itself


def _form() -> BulkForm:
    if request.method == "GET":
        return BulkForm(formdata=request.args, meta={"csrf": False})
    return BulkForm()


def _confirm(form: BulkForm, query: OverviewQuery, status: int = 200, found: int = 0) -> Response:
    """The bulk form as a page of its own: the confirmation without JavaScript, or the form again (422)."""
    context: dict[str, Any] = dict(form=form, query=query, found=found, actions=bulk.ACTIONS)
    return render(f"{T}bulk.html", "bulk_form", status=status, **context)


def _results(form: BulkForm, query: OverviewQuery) -> Response:
    """The list's results again, the selection kept and each message at its field (an htmx 422)."""
    served, page = overview.listing(query)
    response = render(f"{T}overview.html", "results", 422, query=served, page=page, bulk_form=form)
    return retarget(response, "#results", "outerHTML")


def _checked(form: BulkForm) -> int:
    """Check the form as the POST will, for the confirmation page: how many managers; 0 when refused."""
    if not form.validate():
        return 0
    try:
        form.params()
        return bulk.check(form.selection(request.args))
    except Invalid as error:
        put_errors(form, error)
        return 0


@bp.route("/license-managers/bulk", methods=["GET", "POST"])
def bulk_action() -> Response:
    """Apply an action to each selected manager on its own (GET: ask first, naming how many)."""
    form, query = _form(), OverviewQuery.from_args(request.values)
    if request.method == "GET" and not request.args:  # nothing chosen: the list is where one chooses
        return redirect(BASE)  # type: ignore[return-value]
    if request.method == "GET":
        found = _checked(form)
        return _confirm(form, query, 200 if found else 422, found)
    run = submit(
        form, lambda: bulk.start(form.action.data or "", form.params(), form.selection(request.form), actor=actor())
    )
    if run is None:
        return _results(form, query) if wants_fragment() else _confirm(form, query, 422)
    inline = int(current_app.config.get("BULK_INLINE_MAX", INLINE_MAX))
    if run.total - run.skipped <= inline:
        bulk.run_chunk(run.id, inline)
    else:
        jobs.after_commit(db.session, tasks.bulk_chunk, run.vendor_account_id, run.id)
    db.session.commit()
    if is_htmx():
        return _run(run, query)
    return redirect(query.url(path=f"{BASE}/bulk/{run.id}", page=1, after="", before=""), code=303)  # type: ignore[return-value]


def _run(run: BulkRun, query: OverviewQuery) -> Response:
    response = render(f"{T}bulk_run.html", "run", report=bulk.report(run), query=query)
    return trigger(response, CHANGED) if run.finished and is_htmx() else response


@bp.get("/license-managers/bulk/<int:run_id>")
def bulk_run(run_id: int) -> Response:
    """Show how far a bulk run got and what it did to each manager (the fragment polls itself)."""
    found = bulk.get_run(run_id) or abort(404)
    return _run(found, OverviewQuery.from_args(request.args))


@bp.get("/license-managers/selection.csv")
def selection_csv() -> Response:
    """Download the selected managers (ticked, the page, or every one that matches) as CSV."""
    if not request.args:
        return redirect(BASE)  # type: ignore[return-value]
    form, query = _form(), OverviewQuery.from_args(request.args)
    selection = form.selection(request.args)
    if not form.validate() or not (selection.everything or selection.ids):
        if form.validate():
            put_errors(form, Invalid.at("ids", "Select at least one manager."))
        return _confirm(form, query, 422)
    if not selection.everything:
        query = replace(OverviewQuery(sort=query.sort), ids=selection.ids[: bulk.MAX_IDS])
    return stream_csv("license-managers-selection.csv", overview.CSV_COLUMNS, overview.csv_rows(query))
