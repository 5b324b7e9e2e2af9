"""Vendor staff: License Managers (``/vendor/license-managers``), every URL rule of the area.

The overview, its CSV export, inviting a manager, the default permission set, and one
manager's detail pane with its tabs and actions. An htmx request gets the region it swaps
(the results, the pane, a tab, the order options) and any other request the whole page.
Destructive actions ask first: ``hx-confirm`` with JavaScript, and without it a GET of the
same URL shows a confirmation page whose form posts back to it. The blueprint has no prefix
of its own because a prefix cannot be followed by ``.csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, request
from flask_login import current_user

from portal import charts
from portal import permissions as perms
from portal.access import actor
from portal.extensions import db
from portal.forms import submit
from portal.forms.license_managers import (
    MAX_ORDERS,
    AddOrderForm,
    AddUserGroupForm,
    NewManagerForm,
    OrderSearchForm,
    PermissionSetForm,
)
from portal.htmx import is_htmx, redirect_to, render, target_id, trigger, wants_fragment
from portal.lists import page_number, positive_id
from portal.models import LicenseManager
from portal.models.people import MANAGER_STATUSES
from portal.services.license_managers import actions, overview, permission_sets, profile, queries
from portal.services.license_managers import report as usage
from portal.services.license_managers.permission_sets import PermissionSet
from portal.views.csv_export import stream_csv
from portal.views.vendor import license_manager_pane as pane

bp = Blueprint("license_managers", __name__)
bp.add_app_template_global(pane.state, "manager_pane")

BASE = overview.BASE_URL
T = "vendor/license_managers/"
CHANGED = "licenseManagerChanged"  # the overview beside the pane listens for it to refresh its rows
TABS = [
    ("permissions", "Permissions"),
    ("orders", "Orders"),
    ("licenses", "Licenses"),
    ("user_groups", "User groups"),
    ("report", "Report"),
]
SAVED_DEFAULT = (
    "Default permissions saved. Managers you create from now on start with this set; "
    "existing managers keep the permissions they have."
)


def chosen(form: PermissionSetForm) -> PermissionSet:
    """The permission set a (validated) form holds."""
    return PermissionSet.of(form.permissions.data or [], form.caps(), form.policies.data or [])


def vendor_name() -> str:
    return str(current_user.staff.vendor_account.name)


# The overview


@bp.get("/license-managers")
def index() -> Response:
    """List the account's license managers with search, filters, sorting and pages."""
    query = overview.OverviewQuery.from_args(request.args)
    accounts, more = ([], False) if wants_fragment() else queries.customer_account_choices(query.customer_account)
    served, page = overview.listing(query)
    response = render(
        f"{T}overview.html",
        "results",
        query=served,
        page=page,
        accounts=accounts,
        more_accounts=more,
        statuses=MANAGER_STATUSES,
        permissions=perms.PERMISSIONS,
    )
    return pane.keep_pane_in_url(response, query)


@bp.get("/license-managers/export")
def export() -> Response:
    """Say how many rows the CSV export will hold and about how long it takes, and start its download."""
    query = overview.OverviewQuery.from_args(request.args)
    rows = overview.export_count(query)
    return render(f"{T}export.html", "export", query=query, rows=rows, seconds=overview.export_seconds(rows))


@bp.get("/license-managers.csv")
def export_csv() -> Response:
    """Download every manager under the overview's query as CSV, streamed batch by batch from one statement."""
    batches = overview.csv_batches(overview.OverviewQuery.from_args(request.args))
    columns, text = overview.CSV_COLUMNS, overview.CSV_TEXT_COLUMNS
    return stream_csv("license-managers.csv", columns, batches=batches, text_columns=text)


# A new manager, the default set


def _new_page(form: NewManagerForm, status: int = 200, order_q: str = "") -> Response:
    # Ids as sent may be anything, even too big for the database: keep the usable ones.
    selected = [i for i in (form.orders.data or []) if positive_id(i)]
    account = positive_id(form.customer_account.data)
    accounts, more = queries.customer_account_choices(account)
    form.customer_account.choices = [("", "No customer account"), *accounts]
    orders = queries.order_choices(order_q, account, selected)
    context = dict(orders=orders, selected_orders=set(selected), order_q=order_q, more_accounts=more)
    return render(f"{T}new.html", "form", status=status, form=form, permissions=perms.PERMISSIONS, **context)


@bp.route("/license-managers/new", methods=["GET", "POST"])
def new() -> Response:
    """Invite a license manager (or promote a license user); the toggles start from the default set."""
    if request.method == "GET":
        default = permission_sets.of_default(permission_sets.default_set())
        form = NewManagerForm.build(queries.catalog(), default)
        form.customer_account.data = positive_id(request.args.get("customer_account"))
        return _new_page(form, order_q=request.args.get("order_q", "")[:100])
    form = NewManagerForm.build(queries.catalog())
    made = submit(
        form,
        lambda: actions.create_manager(
            email=form.email.data or "",
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            customer_account_id=form.customer_account.data,
            order_ids=form.orders.data or [],
            permission_set=chosen(form),
            vendor_name=vendor_name(),
            actor=actor(),
        ),
    )
    if made is None:
        return _new_page(form, 422)
    db.session.commit()
    manager, promoted = made
    email = manager.license_user.email
    flash(f"Invitation sent to {email}.", "success")
    if promoted:
        flash(f"{email} was already a license user; they keep their details and are now a manager.", "info")
    return redirect_to(f"{BASE}/{manager.id}")


@bp.get("/license-managers/new/orders")
def new_order_choices() -> Response:
    """The order checkboxes of the invite form, for a search or another customer account."""
    if not wants_fragment():
        return redirect(f"{BASE}/new?{request.query_string.decode()}")  # type: ignore[return-value]
    selected = [i for i in map(positive_id, request.args.getlist("orders")) if i][:MAX_ORDERS]
    search = request.args.get("order_q", "")[:100]
    orders = queries.order_choices(search, positive_id(request.args.get("customer_account")), selected)
    return render(f"{T}new.html", "order_choices", orders=orders, selected_orders=set(selected))


@bp.route("/license-managers/default-permissions", methods=["GET", "POST"])
def default_permissions() -> Response:
    """Show and change the set copied into managers created from now on (never existing ones)."""
    default = permission_sets.default_set()
    saved = None
    if request.method == "GET":
        form = PermissionSetForm.build(queries.catalog(), permission_sets.of_default(default))
    else:
        form = PermissionSetForm.build(queries.catalog())
        changed = submit(form, lambda: permission_sets.save_default(chosen(form), actor=actor()))
        if changed is not None:
            db.session.commit()
            saved = SAVED_DEFAULT if changed else "Nothing to save: the default permissions are as they were."
    status = 422 if request.method == "POST" and saved is None else 200
    context = dict(form=form, default=default, saved=saved, permissions=perms.PERMISSIONS)
    return render(f"{T}default_permissions.html", "form", status=status, **context)


# One manager: the pane and its tabs


def load_manager(manager_id: int) -> LicenseManager:
    """A manager of the signed-in vendor account, or 404."""
    manager = queries.manager(manager_id)
    if manager is None:
        abort(404)
    return manager


def show(manager: LicenseManager, tab: str, block: str = "tab", status: int = 200, **context: Any) -> Response:
    """Render a tab's page: the block an htmx request swaps, or the whole page (the list beside the pane)."""
    context.update(pane.list_context(manager.id))
    return render(f"{T}{tab}.html", block, status=status, manager=manager, tabs=TABS, current_tab=tab, **context)


def done(url: str, fragment: Callable[[], Response]) -> Response:
    """After a change: htmx gets the fresh region (with the flash) and the event, a form post a 303."""
    return trigger(fragment(), CHANGED) if is_htmx() else redirect(url, code=303)  # type: ignore[return-value]


def in_pane() -> str:
    """The block an htmx answer fills: the whole pane when it targets the pane (an Undo in a toast)."""
    return "pane" if target_id() == "detail-pane" else "tab"


def _permissions(manager: LicenseManager, form: PermissionSetForm | None = None, **kw: Any) -> Response:
    if form is None:
        form = PermissionSetForm.build(queries.catalog(), permission_sets.of_manager(manager))
    issued = queries.allowed_products(manager)
    return show(manager, "permissions", form=form, issued=issued, permissions=perms.PERMISSIONS, **kw)


def _pane(manager: LicenseManager) -> Response:
    """The whole pane: the header's status and the actions may have changed."""
    return _permissions(manager, block="pane")


@bp.get("/license-managers/<int:manager_id>")
def detail(manager_id: int) -> Response:
    """Show a manager: the detail pane for htmx, the overview with the pane open otherwise."""
    return pane.opened(_pane(load_manager(manager_id)), manager_id)


@bp.route("/license-managers/<int:manager_id>/permissions", methods=["GET", "POST"])
def permissions(manager_id: int) -> Response:
    """Show or save the manager's permissions, allowed products with caps and policies."""
    manager = load_manager(manager_id)
    if request.method == "GET":
        return _permissions(manager)
    form = PermissionSetForm.build(queries.catalog())
    changed = submit(form, lambda: permission_sets.save_for_manager(manager, chosen(form), actor=actor()))
    if changed is None:
        return _permissions(manager, form, status=422)
    db.session.commit()
    email = manager.license_user.email
    flash(
        f"Permissions of {email} saved; they apply from their next request." if changed else "Nothing changed.",
        "success",
    )
    return done(pane.state().tab_url("permissions", manager.id), lambda: _permissions(manager))


def _orders(
    manager: LicenseManager, form: AddOrderForm | None = None, status: int = 200, block: str = "tab"
) -> Response:
    search = OrderSearchForm(formdata=request.args)
    options, more = queries.search_orders(manager, search.search.data or "") if search.validate() else ([], False)
    context: dict[str, Any] = dict(options=options, more=more, search=search, form=form or AddOrderForm(formdata=None))
    if block in ("tab", "pane"):
        number = page_number(request.args.get("page"))
        sort, context["sort_refused"] = queries.tab_sort(
            queries.ORDER_SORTS, manager, request.args.get(queries.TAB_SORT)
        )
        context["tab_sort"] = sort
        context["tab_page"], context["license_counts"] = queries.orders_page(manager, number, sort)
    return show(manager, "orders", block, status if not search.errors else 422, **context)


@bp.route("/license-managers/<int:manager_id>/orders", methods=["GET", "POST"])
def orders(manager_id: int) -> Response:
    """List the orders the manager manages; add one (found by reference or customer)."""
    manager = load_manager(manager_id)
    if request.method == "GET":  # the search box asks for the matching orders alone
        return _orders(manager, block="order_options" if "search" in request.args and wants_fragment() else "tab")
    form = AddOrderForm()
    order = submit(form, lambda: actions.add_order(manager, form.order.data, actor=actor()))
    if order is None:
        return _orders(manager, form, 422, in_pane())
    db.session.commit()
    flash(f"{manager.license_user.email} now manages order {order.reference}.", "success")
    url = pane.state().tab_url("orders", manager.id)
    return done(url, lambda: pane.shown(_orders(manager, block=in_pane()), url))


@bp.get("/license-managers/<int:manager_id>/licenses")
def licenses(manager_id: int) -> Response:
    """List the licenses under the manager's orders, a page at a time."""
    manager = load_manager(manager_id)
    sort, refused = queries.tab_sort(queries.LICENSE_SORTS, manager, request.args.get(queries.TAB_SORT))
    page = queries.licenses_page(manager, page_number(request.args.get("page")), sort)
    return show(manager, "licenses", tab_page=page, tab_sort=sort, sort_refused=refused)


@bp.get("/license-managers/<int:manager_id>/user-groups")
def user_groups(manager_id: int) -> Response:
    """List the user groups the manager manages, with their member counts."""
    manager = load_manager(manager_id)
    sort = queries.GROUP_SORTS.parse(request.args.get(queries.TAB_SORT))
    page, member_counts = queries.user_groups_page(manager, page_number(request.args.get("page")), sort)
    add_form, choices = AddUserGroupForm(formdata=None), profile.group_choices(manager)  # lm-manage: add a group
    return show(
        manager,
        "user_groups",
        tab_page=page,
        tab_sort=sort,
        member_counts=member_counts,
        add_form=add_form,
        choices=choices,
    )


@bp.get("/license-managers/<int:manager_id>/report")
def report(manager_id: int) -> Response:
    """Show how the licenses under the manager's orders are used."""
    manager = load_manager(manager_id)
    return show(manager, "report", report=usage.build(manager), charts=charts)


# One manager: actions


def _confirm(manager: LicenseManager, title: str, question: str, button: str, cancel_url: str = "") -> Response:
    """The confirmation page a destructive action shows without JavaScript; its form posts here."""
    return render(
        f"{T}confirm.html",
        "confirm",
        manager=manager,
        title=title,
        question=question,
        button=button,
        action=pane.state().action_url(str(request.endpoint).rsplit(".", 1)[-1], **(request.view_args or {})),
        cancel_url=cancel_url or pane.state().detail_url(manager.id),
    )


def _acted(manager: LicenseManager, message: str, category: str = "success", undo: str = "", **fields: Any) -> Response:
    """Commit, say so (with an Undo button when the change has a reversal) and show the fresh pane."""
    db.session.commit()
    if undo:
        pane.flash_undo(message, undo, fields)
    else:
        flash(message, category)
    url = pane.state().detail_url(manager.id)
    return done(url, lambda: pane.shown(_pane(manager), url))


@bp.route("/license-managers/<int:manager_id>/disable", methods=["GET", "POST"])
def disable(manager_id: int) -> Response:
    """Disable a manager and end their open sessions at once (GET: ask first)."""
    manager = load_manager(manager_id)
    email = manager.license_user.email
    if request.method == "GET":
        question = (
            "They are signed out at once and cannot sign in until you enable them "
            "again. Their orders and permissions stay as they are."
        )
        return _confirm(manager, f"Disable {email}?", question, "Disable")
    actions.disable(manager, actor=actor())
    undo = pane.state().action_url("enable", manager_id=manager.id)
    return _acted(manager, f"{email} is disabled; their open sessions have ended.", undo=undo)


@bp.post("/license-managers/<int:manager_id>/enable")
def enable(manager_id: int) -> Response:
    """Let a disabled manager sign in again."""
    manager = actions.enable(load_manager(manager_id), actor=actor())
    return _acted(manager, f"{manager.license_user.email} is enabled again.")


@bp.post("/license-managers/<int:manager_id>/resend-invitation")
def resend_invitation(manager_id: int) -> Response:
    """Mail an invited manager a fresh set-password link."""
    manager = actions.resend_invitation(load_manager(manager_id), vendor_name=vendor_name(), actor=actor())
    return _acted(manager, f"A new invitation is on its way to {manager.license_user.email}.")


@bp.route("/license-managers/<int:manager_id>/remove-from-orders", methods=["GET", "POST"])
def remove_from_orders(manager_id: int) -> Response:
    """Stop the manager managing any order (GET: ask first)."""
    manager = load_manager(manager_id)
    email = manager.license_user.email
    if request.method == "GET":
        question = (
            "They keep their sign-in and permissions but no longer see or manage "
            "any license until you add orders again."
        )
        return _confirm(manager, f"Remove {email} from all orders?", question, "Remove from all orders")
    removed = queries.managed_order_list(manager, pane.UNDO_ORDERS + 1)
    count = actions.remove_from_all_orders(manager, actor=actor())
    if not count:
        return _acted(manager, f"{email} manages no orders.", "info")
    message = f"{email} no longer manages any order ({count} removed)."
    if count > pane.UNDO_ORDERS:  # too many to put back in one small form: the audit log keeps them
        return _acted(manager, message)
    undo = pane.state().action_url("restore_orders", manager_id=manager.id)
    return _acted(manager, message, undo=undo, order=removed)


@bp.post("/license-managers/<int:manager_id>/orders/restore")
def restore_orders(manager_id: int) -> Response:
    """Undo "Remove from all orders": manage these orders again, each added as its own audited change."""
    manager = load_manager(manager_id)
    ids = [i for i in map(positive_id, request.form.getlist("order")[: pane.UNDO_ORDERS]) if i]
    for order_id in ids:
        if queries.managed_order(manager, order_id) is None:
            actions.add_order(manager, order_id, actor=actor())  # an order gone since is refused (422)
    return _acted(manager, f"{manager.license_user.email} manages their {len(ids)} orders again.")


@bp.route("/license-managers/<int:manager_id>/orders/<int:order_id>/remove", methods=["GET", "POST"])
def remove_order(manager_id: int, order_id: int) -> Response:
    """Stop the manager managing one order (GET: ask first)."""
    manager = load_manager(manager_id)
    order = queries.managed_order(manager, order_id) or abort(404)
    email, orders_url = manager.license_user.email, pane.state().tab_url("orders", manager.id)
    if request.method == "GET":
        question = "They no longer see or manage its licenses. The order itself stays."
        return _confirm(manager, f"Remove order {order.reference} from {email}?", question, "Remove order", orders_url)
    actions.remove_order(manager, order, actor=actor())
    db.session.commit()
    undo = pane.state().action_url("orders", manager_id=manager.id)
    pane.flash_undo(f"{email} no longer manages order {order.reference}.", undo, {"order": [order.id]})
    return done(orders_url, lambda: _orders(manager))
