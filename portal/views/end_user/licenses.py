"""End User Portal: the licenses of the manager's orders, with their devices and users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _

from portal import access, i18n
from portal.extensions import db
from portal.forms import submit
from portal.forms.licenses import AssignUserForm, NoteForm
from portal.htmx import push_url, redirect_to, render, wants_fragment
from portal.lists import Page, Sorts, page_number, paginate
from portal.models import License
from portal.services.licenses import actions, queries, seats
from portal.views.end_user._confirm import confirm

bp = Blueprint("licenses", __name__)

INDEX = "end_user/licenses/index.html"
DETAIL = "end_user/licenses/detail.html"


@bp.get("/licenses")
def index() -> Response:
    """List the licenses of the manager's orders: search, filters, one page."""
    filters = queries.LicenseFilters.from_args(request.args)
    manager_id = access.manager().id
    page = queries.manager_licenses_page(manager_id, filters, page_number(request.args.get("page")))
    if wants_fragment():
        response = render(INDEX, "results", page=page, filters=filters)
        # The address bar gets the filters that are set, not every empty field of the form.
        extra: dict[str, Any] = {"page": page.number} if page.number > 1 else {}
        return push_url(response, url_for(".index", **filters.as_args(), **extra))
    products = queries.product_choices(manager_id)
    return render(INDEX, page=page, filters=filters, products=products, expiring_choices=queries.EXPIRING_CHOICES)


def _sorted_page(stmt_of: Any, sorts: Sorts, name: str, state: dict[str, Any]) -> tuple[Page[Any], str]:
    """One of the license page's lists, in the sort and at the page its own arguments ask for.

    ``state`` collects the arguments of every list that are not their default, so a link of one
    list (a header, a pager) keeps the others where they are.
    """
    sort = sorts.parse(request.args.get(f"{name}_sort"))
    page = paginate(stmt_of(sort), page_number(request.args.get(f"{name}_page")))
    state[f"{name}_sort"] = sort if sort != sorts.default else None
    state[f"{name}_page"] = page.number if page.number > 1 else None
    return page, sort


def detail_context(license_: License) -> dict[str, Any]:
    """What the license page shows: limits, a page each of devices, users and floating seats, each sorted."""
    state: dict[str, Any] = {"license_id": license_.id}
    devices, devices_sort = _sorted_page(
        lambda sort: queries.devices_query(license_, sort), queries.DEVICE_SORTS, "devices", state
    )
    users, users_sort = None, ""
    if license_.max_license_users:
        users, users_sort = _sorted_page(
            lambda sort: queries.users_query(license_, sort), queries.USER_SORTS, "users", state
        )
    floating, floating_sort = None, ""
    if license_.is_floating:
        floating, floating_sort = _sorted_page(
            lambda sort: queries.holders_query(license_, sort), queries.HOLDER_SORTS, "floating", state
        )
    return dict(
        license=license_,
        devices=devices,
        devices_sort=devices_sort,
        users=users,
        users_sort=users_sort,
        floating=floating,
        floating_sort=floating_sort,
        state=state,
    )


def render_detail(license_: License, status: int = 200, **forms: Any) -> Response:
    """The license page, or its detail region alone for an htmx swap (the device actions answer with it too)."""
    forms.setdefault("note_form", NoteForm(formdata=None, note=license_.note))
    forms.setdefault("assign_form", AssignUserForm(formdata=None))
    return render(DETAIL, "detail", status=status, **detail_context(license_), **forms)


def after_action(license_: License) -> Response:
    """A done action: the fresh detail region for htmx, a redirect to the page otherwise."""
    if wants_fragment():
        return render_detail(license_)
    return redirect_to(url_for(".detail", license_id=license_.id))


def _confirm_here(license_: License, question: str, label: str) -> Response:
    return confirm(question, request.path, label, url_for(".detail", license_id=license_.id))


@bp.get("/licenses/<int:license_id>")
def detail(license_id: int) -> Response:
    """Show a license: limits, counts, validity, note, devices, users and actions."""
    return render_detail(access.load_license(license_id))


@bp.post("/licenses/<int:license_id>/enable")
def enable(license_id: int) -> Response:
    """Enable a disabled license, restoring its earlier status."""
    license_ = access.load_license(license_id)
    access.require("edit_license")
    changed = actions.enable(license_, actor=access.actor())
    db.session.commit()
    flash(_("License enabled.") if changed else _("The license is not disabled."), "success" if changed else "info")
    return after_action(license_)


@bp.route("/licenses/<int:license_id>/disable", methods=["GET", "POST"])
def disable(license_id: int) -> Response:
    """Disable a license: it refuses activation and check-in until enabled."""
    license_ = access.load_license(license_id)
    access.require("edit_license")
    if request.method == "GET":
        name = license_.license_key or _("this license")
        question = _("Disable %(license)s? Its devices will be refused until it is enabled again.", license=name)
        return _confirm_here(license_, question, _("Disable"))
    changed = actions.disable(license_, actor=access.actor())
    db.session.commit()
    flash(
        _("License disabled.") if changed else _("The license was already disabled."), "success" if changed else "info"
    )
    return after_action(license_)


@bp.post("/licenses/<int:license_id>/note")
def note(license_id: int) -> Response:
    """Replace the license's note."""
    license_ = access.load_license(license_id)
    access.require("edit_license")
    form = NoteForm()
    if submit(form, lambda: actions.set_note(license_, (form.note.data or "").strip(), actor=access.actor())) is None:
        return render_detail(license_, 422, note_form=form)
    db.session.commit()
    flash(_("Note saved."), "success")
    return after_action(license_)


@bp.route("/licenses/<int:license_id>/reset", methods=["GET", "POST"])
def reset(license_id: int) -> Response:
    """Deactivate every device of the license and set its counts back to zero."""
    license_ = access.load_license(license_id)
    access.require("reset_license")
    if request.method == "GET":
        name = license_.license_key or _("this license")
        question = _(
            "Reset %(license)s? All %(count)s active devices will be deactivated.",
            license=name,
            count=i18n.number(license_.times_activated),
        )
        return _confirm_here(license_, question, _("Reset license"))
    actions.reset(license_, actor=access.actor())
    db.session.commit()
    flash(_("License and all devices reset."), "success")
    return after_action(license_)


@bp.post("/licenses/<int:license_id>/users")
def assign_user(license_id: int) -> Response:
    """Give a seat of a user-based license to a user by email, creating unknown users."""
    license_ = access.load_license(license_id)
    access.require("manage_license_users")
    form = AssignUserForm()
    user = submit(
        form,
        lambda: seats.assign(
            license_,
            form.email.data or "",
            form.first_name.data or "",
            form.last_name.data or "",
            manager=access.manager(),
            actor=access.actor(),
        ),
    )
    if user is None:
        return render_detail(license_, 422, assign_form=form)
    db.session.commit()
    flash(_("License assigned. %(email)s now holds a seat on this license.", email=user.email), "success")
    return after_action(license_)


@bp.route("/licenses/<int:license_id>/users/<int:user_id>/unassign", methods=["GET", "POST"])
def unassign_user(license_id: int, user_id: int) -> Response:
    """Take a user's seat on the license back."""
    license_ = access.load_license(license_id)
    user = access.load_license_user(user_id)
    if not queries.is_assigned(license_, user):
        abort(404)
    access.require("manage_license_users")
    if request.method == "GET":
        question = _(
            "Unassign %(email)s from %(license)s?", email=user.email, license=license_.license_key or _("this license")
        )
        return _confirm_here(license_, question, _("Unassign"))
    if not seats.unassign(license_, user, actor=access.actor()):
        abort(404)
    db.session.commit()
    flash(_("License unassigned. %(email)s no longer holds a seat on this license.", email=user.email), "success")
    return after_action(license_)
