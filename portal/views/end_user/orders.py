"""The End User Portal's orders (``/portal/orders``): list, detail, create (plain or bundle), issue, managers."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import access
from portal.extensions import db
from portal.forms import submit
from portal.forms.orders import (
    BUNDLE_LINES,
    MAX_BUNDLE_LINES,
    AddManagerForm,
    BundleOrderForm,
    IssueForm,
    OrderForm,
)
from portal.htmx import redirect_to, render
from portal.lists import page_number
from portal.models import Order
from portal.services.orders import actions, issuing, queries
from portal.views.csv_export import stream_csv
from portal.views.end_user import _new_keys

bp = Blueprint("orders", __name__, url_prefix="/orders")
F = TypeVar("F", bound=OrderForm)


def _done(message: str, url: str) -> Response:
    """Commit the request's one transaction, say what happened and go to the page it concerns."""
    db.session.commit()
    flash(message, "success")
    return redirect_to(url)


@bp.get("")
def index() -> Response:
    """List the orders the manager manages, newest first, searched by reference."""
    q = request.args.get("q", "").strip()[:64]
    sort = queries.ORDER_SORTS.parse(request.args.get("sort"))
    page = queries.orders_page(access.manager().id, q, page_number(request.args.get("page")), sort)
    counts = queries.license_counts([o.id for o in page.items])
    return render("end_user/orders/index.html", "results", page=page, counts=counts, q=q, sort=sort)


def _order_form(form_class: type[F]) -> F:
    form = form_class()
    form.set_customers(queries.customer_choices(access.manager()))
    return form


@bp.get("/new")
def new() -> Response:
    """Show the form for a new order."""
    access.require("create_order")
    return render("end_user/orders/new.html", "form", form=_order_form(OrderForm))


@bp.post("")
def create() -> Response:
    """Create an order that the manager then manages."""
    access.require("create_order")
    form = _order_form(OrderForm)
    order = submit(
        form,
        lambda: actions.create_order(
            access.manager(),
            access.actor(),
            form.reference.data or "",
            form.customer.data,
            form.is_trial.data,
            form.is_test.data,
        ),
    )
    if order is None:
        return render("end_user/orders/new.html", "form", status=422, form=form)
    return _done(_("Order %(reference)s created.", reference=order.reference), url_for(".detail", order_id=order.id))


def _bundle_form() -> BundleOrderForm:
    count = request.args.get("lines", BUNDLE_LINES, type=int) or BUNDLE_LINES
    form = _order_form(BundleOrderForm)
    while len(form.lines) < min(count, MAX_BUNDLE_LINES) and request.method == "GET":
        form.lines.append_entry()
    products = [row[0] for row in queries.allowed_products(access.manager().id)]
    form.set_choices(products, queries.allowed_policies(access.manager().id))
    return form


@bp.route("/bundle", methods=["GET", "POST"])
def bundle() -> Response:
    """Create a bundle order: licenses of several products in one step, all or nothing."""
    access.require("create_bundle_order")
    form = _bundle_form()
    if request.method == "GET":
        return render("end_user/orders/bundle.html", "form", form=form)
    if "add_line" in request.form:  # one more line, with everything typed so far kept; nothing written
        form.add_line()
        return render("end_user/orders/bundle.html", "form", form=form)
    positions, lines = form.filled_lines()
    order = submit(
        form,
        lambda: actions.create_bundle_order(
            access.manager(),
            access.actor(),
            lines,
            reference=form.reference.data or "",
            customer_id=form.customer.data,
            is_trial=form.is_trial.data,
            is_test=form.is_test.data,
        ),
        lines=positions,
    )
    if order is None:
        return render("end_user/orders/bundle.html", "form", status=422, form=form)
    count = sum(q or 0 for *_, q in lines)
    message = ngettext(
        "Bundle order %(reference)s created with %(num)s license.",
        "Bundle order %(reference)s created with %(num)s licenses.",
        count,
        reference=order.reference,
    )
    return _done(message, url_for(".detail", order_id=order.id))


def _issue_form(formdata: Any = None) -> IssueForm:
    form = IssueForm(formdata=formdata) if formdata is not None else IssueForm()
    rows = queries.allowed_products(access.manager().id)
    form.set_choices([row[0] for row in rows], queries.allowed_policies(access.manager().id))
    form.caps = [(row[0].name, row.cap, row.issued) for row in rows if row.cap is not None]
    return form


def _detail(order: Order, block: str, status: int = 200, **forms: object) -> Response:
    """Render the order page: its customer, licenses, issue form and managers."""
    if access.can("issue_license") and "issue_form" not in forms:
        issue_form = forms["issue_form"] = _issue_form()
        if request.method == "GET":  # after issuing, the form keeps the product just used
            issue_form.product.data = request.args.get("product", type=int)
    if access.can("manage_managers"):
        forms.setdefault("manager_form", AddManagerForm())
    sort = queries.LICENSE_SORTS.parse(request.args.get("sort"))
    page = queries.licenses_page(order.id, page_number(request.args.get("page")), sort)
    managers = queries.order_managers(order.id)
    return render(
        "end_user/orders/detail.html",
        block,
        status=status,
        order=order,
        page=page,
        sort=sort,
        managers=managers,
        new_keys=_new_keys.link(request.args.get("issued"), access.manager().id, order.id),
        **forms,
    )


@bp.get("/<int:order_id>")
def detail(order_id: int) -> Response:
    """Show an order with its licenses (newest first), issuing and its managers."""
    return _detail(access.load_order(order_id), "licenses")


@bp.get("/<int:order_id>/licenses/policies")
def issue_policies(order_id: int) -> Response:
    """The issue form with the policies of the chosen product: its policy select for htmx, the order page otherwise."""
    order = access.load_order(order_id)
    access.require("issue_license")
    return _detail(order, "issue_policy", issue_form=_issue_form(request.args))


@bp.post("/<int:order_id>/licenses")
def issue(order_id: int) -> Response:
    """Issue licenses of an allowed product and policy into the order, within the cap."""
    order = access.load_order(order_id)
    access.require("issue_license")
    form = _issue_form()
    licenses = submit(
        form,
        lambda: issuing.issue(
            order, access.manager(), access.actor(), form.product.data, form.policy.data, form.quantity.data
        ),
    )
    if licenses is None:
        return _detail(order, "issue_form", status=422, issue_form=form)
    keyed = [lic.id for lic in licenses if lic.license_key]
    issued = _new_keys.sign(access.manager().id, order.id, keyed) if keyed else None
    url = url_for(".detail", order_id=order.id, product=form.product.data, issued=issued)
    message = ngettext(
        "Issued %(num)s license of %(product)s.",
        "Issued %(num)s licenses of %(product)s.",
        len(licenses),
        product=form.product_name(),
    )
    return _done(message, url)


@bp.get("/<int:order_id>/new-keys.csv")
def new_keys(order_id: int) -> Response:
    """Download the keys just issued into the order: the signed link names exactly those licenses."""
    order = access.load_order(order_id)
    ids = _new_keys.license_ids(request.args.get("batch"), access.manager().id, order.id) or abort(404)
    return stream_csv(f"order-{order.id}-new-keys.csv", queries.NEW_KEY_COLUMNS, queries.new_keys(order.id, ids))


@bp.post("/<int:order_id>/managers")
def add_manager(order_id: int) -> Response:
    """Add a license manager the signer works with to the order."""
    order = access.load_order(order_id)
    access.require("manage_managers")
    form = AddManagerForm()
    added = submit(form, lambda: actions.add_manager(order, access.manager(), access.actor(), form.email.data or ""))
    if added is None:
        return _detail(order, "managers", status=422, manager_form=form)
    message = _("%(email)s now manages order %(reference)s.", email=added.license_user.email, reference=order.reference)
    return _done(message, url_for(".detail", order_id=order.id))


@bp.route("/<int:order_id>/managers/<int:manager_id>/remove", methods=["GET", "POST"])
def remove_manager(order_id: int, manager_id: int) -> Response:
    """Take a manager off the order, after a confirmation."""
    order = access.load_order(order_id)
    other = queries.find_order_manager(order.id, manager_id) or abort(404)
    access.require("manage_managers")
    if request.method == "GET":
        return render("end_user/orders/remove_manager.html", order=order, other=other)
    actions.remove_manager(order, access.manager(), access.actor(), other)
    left = other.id == access.manager().id
    message = _(
        "%(email)s no longer manages order %(reference)s.", email=other.license_user.email, reference=order.reference
    )
    return _done(message, url_for(".index") if left else url_for(".detail", order_id=order.id))
