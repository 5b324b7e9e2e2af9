"""Vendor staff: the License Managers overview, its CSV export, inviting a manager, the default set.

The detail pane and its tabs (``/vendor/license-managers/<int:id>/…``) live in another module.
The prefix is ``/vendor`` rather than ``/vendor/license-managers`` because a blueprint prefix
cannot be followed by ``.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, flash, redirect, request, stream_with_context
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import permissions as perms
from portal.access import require_side
from portal.extensions import db
from portal.forms.managers import MAX_ORDERS, DefaultPermissionsForm, NewManagerForm
from portal.htmx import redirect_to, render, wants_fragment
from portal.identity import STAFF
from portal.models.people import MANAGER_STATUSES
from portal.services import manager_queries as queries
from portal.services import managers
from portal.services.manager_filters import BASE_URL, OverviewQuery, positive_int
from portal.tenancy import current_tenant, set_tenant

bp = Blueprint("vendor_managers", __name__, url_prefix="/vendor")
require_side(bp, STAFF)

BASE = BASE_URL
CSV_COLUMNS = [
    "Name",
    "Email",
    "Customer account",
    "Status",
    "Permissions",
    "Permission codes",
    "Orders managed",
    "Licenses",
    "Last sign-in (UTC)",
    "Created (UTC)",
]


@bp.get("/license-managers")
def overview() -> Response:
    """List the account's license managers with search, filters, sorting and pages."""
    query = OverviewQuery.from_args(request.args)
    page = queries.overview_page(query)
    accounts, more_accounts = (
        ([], False) if wants_fragment() else queries.customer_account_choices(query.customer_account)
    )
    return render(
        "vendor/managers/overview.html",
        "results",
        query=query,
        page=page,
        accounts=accounts,
        more_accounts=more_accounts,
        statuses=MANAGER_STATUSES,
        permissions=perms.PERMISSIONS,
    )


def _csv_cell(value: object) -> str:
    # A cell starting like a formula would run in a spreadsheet: quote it as text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_lines(rows: Iterable[queries.ManagerRow]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(rows, 1):
        writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    row.name,
                    row.email,
                    row.customer_account_name,
                    row.status,
                    len(row.permission_codes),
                    " ".join(row.permission_codes),
                    row.orders,
                    row.licenses,
                    row.last_login_at.isoformat(sep=" ", timespec="seconds") if row.last_login_at else "",
                    row.created_at.isoformat(sep=" ", timespec="seconds"),
                )
            ]
        )
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/license-managers.csv")
def export_csv() -> Response:
    """Download every manager under the overview's query as CSV, streamed in keyset batches."""
    query = OverviewQuery.from_args(request.args)
    tenant = current_tenant(db.session)

    def lines() -> Iterator[str]:
        # The body is written after the view returns, in a fresh app context and so a fresh
        # session: carry the signed-in person's vendor account over to it.
        set_tenant(db.session, tenant)
        yield from _csv_lines(queries.export_rows(query))

    body = stream_with_context(lines())
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="license-managers.csv"'
    return response


def _new_page(form: NewManagerForm, status: int = 200, order_q: str = "") -> Response:
    # Ids as sent may be anything, even too big for the database: keep the usable ones.
    selected = [i for i in (form.orders.data or []) if positive_int(str(i))]
    account = positive_int(str(form.customer_account.data or ""))
    accounts, more = queries.customer_account_choices(account)
    form.customer_account.choices = [("", "No customer account"), *accounts]
    orders = managers.order_choices(order_q, account, selected)
    return render(
        "vendor/managers/new.html",
        "form",
        status=status,
        form=form,
        orders=orders,
        selected_orders=set(selected),
        order_q=order_q,
        more_accounts=more,
        permissions=perms.PERMISSIONS,
    )


@bp.route("/license-managers/new", methods=["GET", "POST"])
def new() -> Response:
    """Invite a license manager (or promote a license user); the toggles start from the default set."""
    catalog = managers.catalog()
    if request.method == "GET":
        data = NewManagerForm.initial(managers.default_scope())
        data["customer_account"] = positive_int(request.args.get("customer_account"))
        form = NewManagerForm(catalog=catalog, data=data)
        return _new_page(form, order_q=request.args.get("order_q", "")[:100])
    form = NewManagerForm(catalog=catalog)
    if not form.validate():
        return _new_page(form, 422)
    try:
        manager, promoted = managers.create_manager(
            email=form.email.data,
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            customer_account_id=form.customer_account.data,
            order_ids=form.orders.data or [],
            scope=form.scope(),
            vendor_name=current_user.staff.vendor_account.name,
        )
        db.session.commit()
    except managers.ManagerInputError as error:
        db.session.rollback()
        form[error.field].errors.append(error.message)
        return _new_page(form, 422)
    except IntegrityError:  # the same email invited twice at once: the database holds uniqueness
        db.session.rollback()
        form.email.errors.append(f"{form.email.data} is already a license manager.")
        return _new_page(form, 422)
    email = manager.license_user.email
    flash(f"Invitation sent to {email}.", "success")
    if promoted:
        flash(f"{email} was already a license user; they keep their details and are now a manager.", "info")
    return redirect_to(f"{BASE}/{manager.id}")


@bp.get("/license-managers/new/orders")
def new_order_choices() -> Response:
    """The order checkboxes of the invite form, for a search or another customer account."""
    if not wants_fragment():
        return redirect(f"{BASE}/new?{request.query_string.decode()}")
    selected = [i for i in map(positive_int, request.args.getlist("orders")) if i][:MAX_ORDERS]
    search = request.args.get("order_q", "")[:100]
    orders = managers.order_choices(search, positive_int(request.args.get("customer_account")), selected)
    return render("vendor/managers/new.html", "order_choices", orders=orders, selected_orders=set(selected))


SAVED = (
    "Default permissions saved. Managers you create from now on start with this set; "
    "existing managers keep the permissions they have."
)
UNCHANGED = "Nothing to save: the default permissions are as they were."


@bp.route("/license-managers/default-permissions", methods=["GET", "POST"])
def default_permissions() -> Response:
    """Show and change the set copied into managers created from now on (never existing ones)."""
    catalog = managers.catalog()
    default = managers.default_set()
    template = "vendor/managers/default_permissions.html"
    if request.method == "GET":
        form = DefaultPermissionsForm(
            catalog=catalog, data=DefaultPermissionsForm.initial(managers.default_scope(default))
        )
        return render(template, "form", form=form, default=default, saved=None, permissions=perms.PERMISSIONS)
    form = DefaultPermissionsForm(catalog=catalog)
    status, saved = 422, None
    if form.validate():
        try:
            changed = managers.update_default_set(form.scope(), default)
            db.session.commit()
            status, saved = 200, SAVED if changed else UNCHANGED
        except managers.ManagerInputError as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
    return render(
        template, "form", status=status, form=form, default=default, saved=saved, permissions=perms.PERMISSIONS
    )
