"""One license manager, for vendor staff: the detail pane and its tabs.

Every route takes the manager id and loads it through ``load_manager`` (404 outside the
vendor account). An htmx request gets the region it swaps (the pane, a tab, the order
options); any other request the whole page. The actions live in vendor_manager_actions.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, flash, redirect, request, url_for

from portal import charts
from portal import permissions as perms
from portal.access import require_side
from portal.extensions import db
from portal.forms.manager_detail import AddOrderForm, OrderSearchForm, permissions_form
from portal.htmx import is_htmx, render, trigger, wants_fragment
from portal.identity import STAFF
from portal.lists import page_number
from portal.models import LicenseManager
from portal.services import manager_admin, manager_report
from portal.services import manager_detail_queries as queries
from portal.services.manager_admin import cap_field

bp = Blueprint("vendor_manager_detail", __name__, url_prefix="/vendor/license-managers")
require_side(bp, STAFF)

TEMPLATES = "vendor/manager_detail/"
TABS = [
    ("permissions", "Permissions"),
    ("orders", "Orders"),
    ("licenses", "Licenses"),
    ("user_groups", "User groups"),
    ("report", "Report"),
]


def load_manager(manager_id: int) -> LicenseManager:
    """Fetch a manager of the signed-in vendor account with their name and organisation, or 404."""
    manager = db.session.scalar(
        sa.select(LicenseManager)
        .where(LicenseManager.id == manager_id)
        .options(so.joinedload(LicenseManager.license_user), so.joinedload(LicenseManager.customer_account))
    )
    if manager is None:
        abort(404)
    return manager


def show(manager: LicenseManager, tab: str, block: str = "tab", status: int = 200, **context) -> Response:
    """Render a tab's page: the block an htmx request swaps, or the whole page."""
    return render(
        f"{TEMPLATES}{tab}.html", block, status=status, manager=manager, tabs=TABS, current_tab=tab, **context
    )


CHANGED = "licenseManagerChanged"  # the overview beside the pane listens for it to refresh its rows


def done(url: str, fragment) -> Response:
    """After a change: htmx gets the fresh region (with the flash), a form post a 303."""
    return trigger(fragment(), CHANGED) if is_htmx() else redirect(url, code=303)


def _permissions(manager: LicenseManager, form=None, status: int = 200, block: str = "tab") -> Response:
    scope = queries.scope(manager)
    if form is None:
        data = {
            "permissions": manager.permission_codes,
            "products": list(scope.allowed),
            "policies": list(scope.allowed_policy_ids),
        }
        data |= {cap_field(pid): row.cap for pid, row in scope.allowed.items()}
        form = permissions_form([p.id for p in scope.products], data)
    return show(manager, "permissions", block, status, form=form, scope=scope, permissions=perms.PERMISSIONS)


@bp.get("/<int:manager_id>")
def detail(manager_id: int) -> Response:
    """Show a manager: the detail pane for htmx, the whole page (Permissions tab) otherwise."""
    return _permissions(load_manager(manager_id), block="pane")


@bp.route("/<int:manager_id>/permissions", methods=["GET", "POST"])
def permissions(manager_id: int) -> Response:
    """Show or save the manager's permissions, allowed products with caps and policies."""
    manager = load_manager(manager_id)
    if request.method == "GET":
        return _permissions(manager)
    form = permissions_form(queries.scope_product_ids())
    if form.validate():
        try:
            changed = manager_admin.update_permissions(
                manager, form.permissions.data or [], form.caps(), form.policies.data or []
            )
        except manager_admin.InvalidInput as error:
            form.add_errors(error.errors)
        except manager_admin.Conflict as error:
            abort(409, description=str(error))
        else:
            db.session.commit()
            flash(
                f"Permissions of {manager.license_user.email} saved; they apply from their next request."
                if changed
                else "Nothing changed.",
                "success",
            )
            return done(url_for(".permissions", manager_id=manager.id), lambda: _permissions(manager))
    return _permissions(manager, form, 422)


def _orders(manager: LicenseManager, form=None, status: int = 200, block: str = "tab") -> Response:
    search = OrderSearchForm(formdata=request.args)
    options, more = [], False
    if search.validate():
        options, more = queries.search_orders(manager, search.search.data or "")
    else:
        status = 422
    context = dict(options=options, more=more, search=search, form=form or AddOrderForm(formdata=None))
    if block == "tab":
        context["page"], context["license_counts"] = queries.orders_page(manager, page_number(request.args.get("page")))
    return show(manager, "orders", block, status, **context)


@bp.route("/<int:manager_id>/orders", methods=["GET", "POST"])
def orders(manager_id: int) -> Response:
    """List the orders the manager manages; add one (found by reference or customer)."""
    manager = load_manager(manager_id)
    if request.method == "GET":
        # The search box asks for the matching orders alone.
        searching = "search" in request.args and wants_fragment()
        return _orders(manager, block="order_options" if searching else "tab")
    form = AddOrderForm()
    if form.validate():
        try:
            order = manager_admin.add_order(manager, form.order.data)
        except manager_admin.InvalidInput as error:
            form.order.errors = [*form.order.errors, *error.errors["order"]]
        else:
            db.session.commit()
            flash(f"{manager.license_user.email} now manages order {order.reference}.", "success")
            return done(url_for(".orders", manager_id=manager.id), lambda: _orders(manager))
    return _orders(manager, form, 422)


@bp.get("/<int:manager_id>/licenses")
def licenses(manager_id: int) -> Response:
    """List the licenses under the manager's orders, a page at a time."""
    manager = load_manager(manager_id)
    page = queries.licenses_page(manager, page_number(request.args.get("page")))
    return show(manager, "licenses", page=page)


@bp.get("/<int:manager_id>/user-groups")
def user_groups(manager_id: int) -> Response:
    """List the user groups the manager manages, with their member counts."""
    manager = load_manager(manager_id)
    page, member_counts = queries.user_groups_page(manager, page_number(request.args.get("page")))
    return show(manager, "user_groups", page=page, member_counts=member_counts)


@bp.get("/<int:manager_id>/report")
def report(manager_id: int) -> Response:
    """Show how the licenses under the manager's orders are used."""
    manager = load_manager(manager_id)
    return show(manager, "report", report=manager_report.build(manager), charts=charts)


from portal.views import vendor_manager_actions  # noqa: E402,F401  (adds the action routes)
