"""End User Portal: the licenses of the manager's orders, with their devices and users."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, Response, abort, flash, request, url_for

from portal import access, scope
from portal.access import require_side
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.forms.licenses import AssignUserForm, NoteForm
from portal.htmx import push_url, redirect_to, render, wants_fragment
from portal.identity import MANAGER
from portal.lists import page_number, paginate
from portal.models import Device, License, LicenseAssignment, LicenseUser
from portal.services import licenses, seats

bp = Blueprint("portal_licenses", __name__, url_prefix="/portal")
require_side(bp, MANAGER)

DETAIL = "portal/licenses/detail.html"


@bp.get("/licenses")
def index() -> Response:
    """List the licenses of the manager's orders: search, filters, one page."""
    filters = licenses.LicenseFilters.from_args(request.args)
    orders = scope.managed_order_ids(access.manager().id)
    page = paginate(
        licenses.licenses_query(orders, filters),
        page_number(request.args.get("page")),
        options=[so.contains_eager(License.order), so.joinedload(License.product)],
        args=filters.as_args(),
    )
    if wants_fragment():
        response = render("portal/licenses/index.html", "results", page=page, filters=filters)
        # The address bar gets the filters that are set, not every empty field of the form.
        extra = {"page": page.number} if page.number > 1 else {}
        return push_url(response, url_for(".index", **filters.as_args(), **extra))
    return render(
        "portal/licenses/index.html",
        page=page,
        filters=filters,
        products=licenses.product_choices(orders),
        expiring_choices=licenses.EXPIRING_CHOICES,
    )


def detail_context(license_: License) -> dict:
    """What the license page shows: limits, a page of devices, a page of users, floating seats."""
    devices = paginate(
        sa.select(Device)
        .where(Device.license_id == license_.id)
        .order_by(Device.is_active.desc(), Device.first_activated_at.desc(), Device.id.desc())
        .execution_options(populate_existing=True),
        page_number(request.args.get("devices_page")),
    )
    users = None
    if license_.max_license_users:
        users = paginate(
            sa.select(LicenseUser)
            .join(LicenseAssignment, LicenseAssignment.license_user_id == LicenseUser.id)
            .where(LicenseAssignment.license_id == license_.id)
            .order_by(LicenseUser.email),
            page_number(request.args.get("users_page")),
        )
    floating = []
    if license_.is_floating:
        floating = list(
            db.session.scalars(
                sa.select(Device)
                .where(Device.license_id == license_.id, Device.floating_in_use)
                .order_by(Device.floating_since)
                .limit(200)
            )
        )
    return dict(license=license_, devices=devices, users=users, floating=floating)


def render_detail(license_: License, status: int = 200, **forms) -> Response:
    """The license page, or its detail region alone for an htmx swap."""
    forms.setdefault("note_form", NoteForm(formdata=None, note=license_.note))
    forms.setdefault("assign_form", AssignUserForm(formdata=None))
    return render(DETAIL, "detail", status=status, **detail_context(license_), **forms)


def after_action(license_: License) -> Response:
    """A done action: the fresh detail region for htmx, a redirect to the page otherwise."""
    if wants_fragment():
        return render_detail(license_)
    return redirect_to(url_for("portal_licenses.detail", license_id=license_.id))


def confirm(question: str, action: str, label: str, cancel: str, **hidden) -> Response:
    """The no-JavaScript confirmation page: a form that posts to the same URL."""
    return render("end_user/confirm.html", question=question, action=action, label=label, cancel=cancel, hidden=hidden)


@bp.get("/licenses/<int:license_id>")
def detail(license_id: int) -> Response:
    """Show a license: limits, counts, validity, note, devices, users and actions."""
    return render_detail(access.load_license(license_id))


@bp.post("/licenses/<int:license_id>/enable")
def enable(license_id: int) -> Response:
    """Enable a disabled license, restoring its earlier status."""
    license_ = access.load_license(license_id)
    access.require("edit_license")
    changed = licenses.enable(license_)
    db.session.commit()
    flash("License enabled." if changed else "The license is not disabled.", "success" if changed else "info")
    return after_action(license_)


@bp.route("/licenses/<int:license_id>/disable", methods=["GET", "POST"])
def disable(license_id: int) -> Response:
    """Disable a license: it refuses activation and check-in until enabled."""
    license_ = access.load_license(license_id)
    access.require("edit_license")
    if request.method == "GET":
        return confirm(
            f"Disable {license_.license_key or 'this license'}? Its devices will be refused until it is enabled again.",
            request.path,
            "Disable",
            url_for(".detail", license_id=license_id),
        )
    changed = licenses.disable(license_)
    db.session.commit()
    flash("License disabled." if changed else "The license was already disabled.", "success" if changed else "info")
    return after_action(license_)


@bp.post("/licenses/<int:license_id>/note")
def note(license_id: int) -> Response:
    """Replace the license's note."""
    license_ = access.load_license(license_id)
    access.require("edit_license")
    form = NoteForm()
    if not form.validate():
        return render_detail(license_, 422, note_form=form)
    licenses.set_note(license_, (form.note.data or "").strip())
    db.session.commit()
    flash("Note saved.", "success")
    return after_action(license_)


@bp.route("/licenses/<int:license_id>/reset", methods=["GET", "POST"])
def reset(license_id: int) -> Response:
    """Deactivate every device of the license and set its counts back to zero."""
    license_ = access.load_license(license_id)
    access.require("reset_license")
    if request.method == "GET":
        return confirm(
            f"Reset {license_.license_key or 'this license'}? All "
            f"{license_.times_activated} active devices will be deactivated.",
            request.path,
            "Reset license",
            url_for(".detail", license_id=license_id),
        )
    licenses.reset(license_)
    db.session.commit()
    flash("License and all devices reset.", "success")
    return after_action(license_)


@bp.post("/licenses/<int:license_id>/users")
def assign_user(license_id: int) -> Response:
    """Give a seat of a user-based license to a user by email, creating unknown users."""
    license_ = access.load_license(license_id)
    access.require("manage_license_users")
    form = AssignUserForm()
    if not form.validate():
        return render_detail(license_, 422, assign_form=form)
    try:
        user = seats.assign(
            license_,
            form.email.data,
            form.first_name.data or "",
            form.last_name.data or "",
            access.manager().customer_account_id,
        )
    except Invalid as error:
        getattr(form, error.field).errors.append(error.message)
        return render_detail(license_, 422, assign_form=form)
    except Conflict as error:
        abort(409, description=error.message)
    db.session.commit()
    flash(f"License assigned. {user.email} now holds a seat on this license.", "success")
    return after_action(license_)


@bp.route("/licenses/<int:license_id>/users/<int:user_id>/unassign", methods=["GET", "POST"])
def unassign_user(license_id: int, user_id: int) -> Response:
    """Take a user's seat on the license back."""
    license_ = access.load_license(license_id)
    user = access.load_license_user(user_id)
    if not seats.is_assigned(license_, user):
        abort(404)
    access.require("manage_license_users")
    if request.method == "GET":
        return confirm(
            f"Unassign {user.email} from {license_.license_key or 'this license'}?",
            request.path,
            "Unassign",
            url_for(".detail", license_id=license_id),
        )
    if not seats.unassign(license_, user):
        abort(404)
    db.session.commit()
    flash(f"License unassigned. {user.email} no longer holds a seat on this license.", "success")
    return after_action(license_)
