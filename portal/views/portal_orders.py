"""The End User Portal's orders: list, detail, create (plain or bundle), issue, managers."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_wtf import FlaskForm

from portal import access
from portal.access import require_side
from portal.errors import Invalid
from portal.extensions import db
from portal.forms.orders import (
    BUNDLE_LINES,
    MAX_BUNDLE_LINES,
    AddManagerForm,
    BundleOrderForm,
    IssueForm,
    OrderForm,
)
from portal.htmx import redirect_to, render
from portal.identity import MANAGER
from portal.lists import page_number
from portal.models import Order
from portal.services import issuing
from portal.services import orders as order_service
from portal.services.issuing import CapReached

bp = Blueprint("portal_orders", __name__, url_prefix="/portal")
require_side(bp, MANAGER)


def field_error(form: FlaskForm, error: Invalid, lines: list[int] | None = None) -> None:
    """Put a service's refusal at the form field it concerns (a bundle line's, if any).

    Services run inside a savepoint, so a refusal has already undone their writes while the
    objects the page shows stay loaded.
    """
    if error.line is not None and lines is not None:
        form.lines[lines[error.line]].form[error.field].errors.append(error.message)
    elif error.field == "lines":
        form.lines_error = error.message
    else:
        form[error.field].errors = [*form[error.field].errors, error.message]


@bp.get("/orders")
def index() -> Response:
    """List the orders the manager manages, newest first, searched by reference."""
    q = request.args.get("q", "").strip()[:64]
    page = order_service.orders_page(access.manager().id, q, page_number(request.args.get("page")))
    counts = order_service.license_counts([o.id for o in page.items])
    return render("portal/orders/index.html", "results", page=page, counts=counts, q=q)


def _order_form(form_class=OrderForm, **kwargs) -> OrderForm:
    form = form_class(**kwargs)
    form.set_customers(order_service.customer_choices(access.manager()))
    return form


@bp.get("/orders/new")
def new() -> Response:
    """Show the form for a new order."""
    access.require("create_order")
    return render("portal/orders/new.html", "form", form=_order_form())


@bp.post("/orders")
def create() -> Response:
    """Create an order that the manager then manages."""
    access.require("create_order")
    form = _order_form()
    if form.validate():
        try:
            with db.session.begin_nested():
                order = order_service.create_order(
                    access.manager(),
                    form.reference.data or "",
                    form.customer.data,
                    form.is_trial.data,
                    form.is_test.data,
                )
        except Invalid as error:
            field_error(form, error)
        else:
            db.session.commit()
            flash(f"Order {order.reference} created.", "success")
            return redirect_to(url_for(".detail", order_id=order.id))
    return render("portal/orders/new.html", "form", status=422, form=form)


def _bundle_form() -> BundleOrderForm:
    count = request.args.get("lines", BUNDLE_LINES, type=int) or BUNDLE_LINES
    form = _order_form(BundleOrderForm)
    while len(form.lines) < min(count, MAX_BUNDLE_LINES) and request.method == "GET":
        form.lines.append_entry()
    products = [row[0] for row in issuing.allowed_products(access.manager().id)]
    form.set_choices(products, issuing.allowed_policies(access.manager().id))
    return form


@bp.route("/orders/bundle", methods=["GET", "POST"])
def bundle() -> Response:
    """Create a bundle order: licenses of several products in one step, all or nothing."""
    access.require("create_bundle_order")
    form = _bundle_form()
    if request.method == "GET":
        return render("portal/orders/bundle.html", "form", form=form)
    if form.validate():
        positions, lines = form.filled_lines()
        try:
            with db.session.begin_nested():
                order = order_service.create_bundle_order(
                    access.manager(),
                    lines,
                    reference=form.reference.data or "",
                    customer_id=form.customer.data,
                    is_trial=form.is_trial.data,
                    is_test=form.is_test.data,
                )
        except Invalid as error:
            field_error(form, error, positions)
        except CapReached as error:
            abort(409, description=str(error))
        else:
            db.session.commit()
            flash(f"Bundle order {order.reference} created with {sum(q for *_, q in lines)} licenses.", "success")
            return redirect_to(url_for(".detail", order_id=order.id))
    return render("portal/orders/bundle.html", "form", status=422, form=form)


def _issue_form(**kwargs) -> IssueForm:
    form = IssueForm(**kwargs)
    rows = issuing.allowed_products(access.manager().id)
    form.set_choices([row[0] for row in rows], issuing.allowed_policies(access.manager().id))
    form.caps = [(row[0].name, row.cap, row.issued) for row in rows if row.cap is not None]
    return form


def _detail(order: Order, block: str, status: int = 200, **forms) -> Response:
    """Render the order page: its customer, licenses, issue form and managers."""
    if access.can("issue_license"):
        forms.setdefault("issue_form", _issue_form())
    if access.can("manage_managers"):
        forms.setdefault("manager_form", AddManagerForm())
    page = order_service.licenses_page(order.id, page_number(request.args.get("page")))
    managers = order_service.order_managers(order.id)
    return render("portal/orders/detail.html", block, status=status, order=order, page=page, managers=managers, **forms)


@bp.get("/orders/<int:order_id>")
def detail(order_id: int) -> Response:
    """Show an order with its licenses (newest first), issuing and its managers."""
    return _detail(access.load_order(order_id), "licenses")


@bp.post("/orders/<int:order_id>/licenses")
def issue(order_id: int) -> Response:
    """Issue licenses of an allowed product and policy into the order, within the cap."""
    order = access.load_order(order_id)
    access.require("issue_license")
    form = _issue_form()
    if form.validate():
        try:
            with db.session.begin_nested():
                licenses = issuing.issue(
                    order, access.manager(), form.product.data, form.policy.data, form.quantity.data
                )
        except Invalid as error:
            field_error(form, error)
        except CapReached as error:
            abort(409, description=str(error))
        else:
            db.session.commit()
            flash(
                f"Issued {len(licenses)} license{'s' if len(licenses) != 1 else ''} of {form.product_name()}.",
                "success",
            )
            return redirect_to(url_for(".detail", order_id=order.id))
    return _detail(order, "issue_form", status=422, issue_form=form)


@bp.post("/orders/<int:order_id>/managers")
def add_manager(order_id: int) -> Response:
    """Add a license manager the signer works with to the order."""
    order = access.load_order(order_id)
    access.require("manage_managers")
    form = AddManagerForm()
    if form.validate():
        try:
            with db.session.begin_nested():
                added = order_service.add_manager(order, access.manager(), form.email.data)
        except Invalid as error:
            field_error(form, error)
        else:
            db.session.commit()
            flash(f"{added.license_user.email} now manages order {order.reference}.", "success")
            return redirect_to(url_for(".detail", order_id=order.id))
    return _detail(order, "managers", status=422, manager_form=form)


@bp.route("/orders/<int:order_id>/managers/<int:manager_id>/remove", methods=["GET", "POST"])
def remove_manager(order_id: int, manager_id: int) -> Response:
    """Take a manager off the order, after a confirmation."""
    order = access.load_order(order_id)
    other = order_service.find_order_manager(order.id, manager_id) or abort(404)
    access.require("manage_managers")
    if request.method == "GET":
        return render("portal/orders/remove_manager.html", order=order, other=other)
    try:
        with db.session.begin_nested():
            order_service.remove_manager(order, access.manager(), other)
    except order_service.LastManager as error:
        abort(409, description=str(error))
    db.session.commit()
    flash(f"{other.license_user.email} no longer manages order {order.reference}.", "success")
    if other.id == access.manager().id:
        return redirect_to(url_for(".index"))
    return redirect_to(url_for(".detail", order_id=order.id))
