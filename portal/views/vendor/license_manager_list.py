"""Vendor staff: how they work in the License Managers list: columns shown, saved views, list context.

``list_context`` (the Jinja global ``manager_list``) is everything the overview's results
fragment (``_overview.html``) needs besides its query and page: the columns this staff member
chose, the default permission bits (for the "vs default" column, read once per page), the saved
views and presets, the chips of the active filters. Changing columns or views is a plain form
post answered with a 303 back to the list, so it works the same without JavaScript."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from markupsafe import Markup

from portal import permissions as perms
from portal.access import actor, safe_next
from portal.extensions import db
from portal.forms import submit
from portal.forms.license_manager_list import ColumnsForm, SavedViewForm
from portal.htmx import redirect_to, render
from portal.models import SavedView, utcnow
from portal.models.people import MANAGER_STATUSES
from portal.services.license_managers import bulk, overview, queries, views
from portal.services.license_managers.overview import OverviewQuery

bp = Blueprint("license_manager_list", __name__)

BASE = overview.BASE_URL
T = "vendor/license_managers/"


# Relative times ("3 hours ago") come from the one ``ago`` filter, ``portal.i18n.ago``.


def chips(query: OverviewQuery) -> list[tuple[str, str]]:
    """The active filters as (label, URL of the list without it)."""
    found = []
    if query.q:
        found.append((f"Search: {query.q}", query.url(q="", page=1, after="", before="")))
    if query.status:
        found.append((f"Status: {query.status.capitalize()}", query.url(status="", page=1, after="", before="")))
    if query.permission:
        label = perms.label(query.permission)
        found.append((f"Permission: {label}", query.url(permission="", page=1, after="", before="")))
    if query.customer_account:
        account = queries.customer_account(query.customer_account)
        name = account.name if account else f"#{query.customer_account}"
        found.append((f"Customer account: {name}", query.url(customer_account=None, page=1, after="", before="")))
    if query.signed_in:
        found.append((overview.SIGNED_IN[query.signed_in], query.url(signed_in="", page=1, after="", before="")))
    return found


# Beside the open pane the list keeps these cells, and the one of the column it is sorted by: they
# carry data-keep and the stylesheet hides the rest. Worked out once a page, not once a cell.
KEPT = ("select", "name", "status")
DATA_KEEP = Markup(" data-keep")


def kept_cells(query: OverviewQuery) -> SimpleNamespace:
    """Each column's attribute for its cells (``keep.email``): `` data-keep`` or nothing. A namespace, not a
    dict: Jinja reads ``keep.email`` as an attribute first, and a dict's miss costs ~0.8 µs, ten cells a row."""
    empty = Markup("")
    return SimpleNamespace(
        **{key: DATA_KEEP if key in KEPT or key == query.sort_key else empty for key in (*KEPT, *views.COLUMNS)}
    )


def list_context(query: OverviewQuery) -> dict[str, Any]:
    """What the results fragment needs besides ``query`` and ``page``; a Jinja global (``manager_list``),
    so every view that renders the list (the overview, the detail page beside it, a 422) gets it."""
    found = views.settings(actor().id or 0)
    return dict(
        columns=found.columns,
        column_labels=views.COLUMNS,
        keep=kept_cells(query),
        default_bits=found.default_bits,
        difference=perms.difference,
        saved_views=found.views,
        presets=views.presets(),
        current_view=urlencode(query.params(page=1, after="", before="")),
        chips=chips(query),
        bulk_actions=bulk.ACTIONS,
        now=utcnow(),
    )


bp.add_app_template_global(list_context, "manager_list")


def _back(form_next: str | None) -> Response:
    target = safe_next(form_next)
    if not target or not (target == BASE or target.startswith(f"{BASE}?")):
        target = BASE
    return redirect(target, code=303)  # type: ignore[return-value]


@bp.post("/license-managers/columns")
def columns() -> Response:
    """Remember which columns the signed-in staff member sees in the list; back to the list."""
    form = ColumnsForm()
    if not form.validate():
        abort(422, description="Choose columns of the list.")
    views.save_columns(actor().id or 0, form.columns.data or [])
    db.session.commit()
    flash("Columns saved; the list shows them wherever you sign in.", "success")
    return _back(form.next.data)


# Saved views


def _views_page(form: SavedViewForm | None = None, status: int = 200, editing: SavedView | None = None) -> Response:
    context = dict(views=views.saved_views(), presets=views.presets(), editing=editing, statuses=MANAGER_STATUSES)
    return render(f"{T}views.html", "views", status=status, form=form or SavedViewForm(formdata=None), **context)


@bp.get("/license-managers/views")
def saved_views() -> Response:
    """List the account's saved views of the list, to open, rename or delete."""
    return _views_page()


@bp.post("/license-managers/views")
def create_view() -> Response:
    """Save the list's current filters and sort under a name, for all staff of the account."""
    form = SavedViewForm()
    staff_id = actor().id
    view = submit(form, lambda: views.create_view(form.name.data or "", request.form, staff_id=staff_id, actor=actor()))
    if view is None:
        return _views_page(form, 422)
    db.session.commit()
    flash(f"Saved the view “{view.name}”; everyone on your team sees it above the list.", "success")
    return redirect(f"{BASE}?{view.query}", code=303)  # type: ignore[return-value]


def load_view(view_id: int) -> SavedView:
    return views.saved_view(view_id) or abort(404)


@bp.route("/license-managers/views/<int:view_id>/rename", methods=["GET", "POST"])
def rename_view(view_id: int) -> Response:
    """Rename a saved view (GET: the form)."""
    view = load_view(view_id)
    if request.method == "GET":
        return _views_page(SavedViewForm(formdata=None, name=view.name), editing=view)
    form = SavedViewForm()
    changed = submit(form, lambda: views.rename_view(view, form.name.data or "", actor=actor()))
    if changed is None:
        return _views_page(form, 422, editing=view)
    db.session.commit()
    flash(f"Renamed the view to “{view.name}”." if changed else "The name is as it was.", "success")
    return redirect(url_for(".saved_views"), code=303)  # type: ignore[return-value]


@bp.route("/license-managers/views/<int:view_id>/delete", methods=["GET", "POST"])
def delete_view(view_id: int) -> Response:
    """Delete a saved view for everyone (GET: ask first)."""
    view = load_view(view_id)
    if request.method == "GET":
        return render(f"{T}views.html", "confirm_delete", view=view, views=[], presets=[], confirm=True)
    name = view.name
    views.delete_view(view, actor=actor())
    db.session.commit()
    flash(f"Deleted the view “{name}”.", "success")
    return redirect_to(url_for(".saved_views"))
