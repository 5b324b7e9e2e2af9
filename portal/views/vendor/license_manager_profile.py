"""Vendor staff: one license manager's life cycle (``/vendor/license-managers/<id>/…``).

Editing who the manager is (name, email, customer account), what they reach (customer
accounts, user groups) and taking the role away. The edit page renders inside the detail
pane for htmx and as a whole page otherwise; every change fires the event the overview
listens for. Taking the role away asks first (``hx-confirm``, or a GET confirmation page).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for

from portal import permissions as perms
from portal.access import actor
from portal.extensions import db
from portal.forms import submit
from portal.forms.license_managers import AddUserGroupForm, EditManagerForm, ScopeForm
from portal.htmx import is_htmx, redirect_to, render, trigger
from portal.lists import page_number
from portal.models import LicenseManager
from portal.services.license_managers import permission_sets, profile, queries
from portal.views.vendor import license_manager_pane as pane
from portal.views.vendor.license_managers import TABS

bp = Blueprint("license_manager_profile", __name__)

T = "vendor/license_managers/"
CHANGED = "licenseManagerChanged"  # the overview's event (portal/views/vendor/license_managers.py)


@bp.app_template_global()
def difference_from_default(manager: LicenseManager) -> perms.Difference:
    """How the manager's permissions differ from the default set, for the pane ("+2 / −1", named)."""
    if "default_bits" not in g:
        g.default_bits = permission_sets.default_bits()
    return perms.difference(manager.permissions, g.default_bits)


def load_manager(manager_id: int) -> LicenseManager:
    return queries.manager(manager_id) or abort(404)


def _edit_form(manager: LicenseManager) -> EditManagerForm:
    user = manager.license_user
    data = dict(
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        customer_account=manager.customer_account_id,
    )
    return EditManagerForm(formdata=None, data=data)


def _edit_page(
    manager: LicenseManager,
    form: EditManagerForm | None = None,
    scope_form: ScopeForm | None = None,
    status: int = 200,
) -> Response:
    form = form or _edit_form(manager)
    accounts, more = queries.customer_account_choices(manager.customer_account_id)
    form.customer_account.choices = [("", "No customer account"), *accounts]
    scoped_accounts = profile.scoped_accounts(manager)
    scoped = [a.id for a in scoped_accounts]
    scope_form = scope_form or ScopeForm(formdata=None, data={"accounts": scoped})
    # Past the first choices by name, the ones the manager is scoped to are still listed (and stay ticked).
    listed = {i for i, _ in accounts}
    accounts = accounts + [(a.id, a.name) for a in scoped_accounts if a.id not in listed]
    # As a whole page the edit form sits in the pane beside the list, like every tab (lm-page's layout).
    context: dict[str, Any] = pane.list_context(manager.id)
    context.update(manager=manager, form=form, scope_form=scope_form, accounts=accounts, more_accounts=more)
    return render(f"{T}edit.html", "pane", status=status, tabs=TABS, **context)


def _changed(manager: LicenseManager, url: str, message: str) -> Response:
    db.session.commit()
    flash(message, "success")
    if not is_htmx():
        return redirect(url, code=303)  # type: ignore[return-value]
    return trigger(_edit_page(load_manager(manager.id)), CHANGED)


@bp.route("/license-managers/<int:manager_id>/edit", methods=["GET", "POST"])
def edit(manager_id: int) -> Response:
    """Show or save the manager's name, email and customer account, and their customer-account scope."""
    manager = load_manager(manager_id)
    if request.method == "GET":
        return _edit_page(manager)
    form = EditManagerForm()
    form.customer_account.choices = [("", "")]
    changed = submit(
        form,
        lambda: profile.edit(
            manager,
            email=form.email.data or "",
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            customer_account_id=form.customer_account.data,
            actor=actor(),
        ),
    )
    if changed is None:
        return _edit_page(manager, form, status=422)
    message = f"Details of {manager.license_user.email} saved." if changed else "Nothing changed."
    return _changed(manager, url_for(".edit", manager_id=manager.id), message)


@bp.post("/license-managers/<int:manager_id>/scope")
def scope(manager_id: int) -> Response:
    """Scope the manager to these customer accounts: they manage every order of their customers."""
    manager = load_manager(manager_id)
    form = ScopeForm()
    changed = submit(form, lambda: profile.set_accounts(manager, form.accounts.data or [], actor=actor()))
    if changed is None:
        return _edit_page(manager, scope_form=form, status=422)
    message = f"Customer accounts of {manager.license_user.email} saved." if changed else "Nothing changed."
    return _changed(manager, url_for(".edit", manager_id=manager.id), message)


def _groups_tab(manager: LicenseManager, form: AddUserGroupForm | None = None, status: int = 200) -> Response:
    sort = queries.GROUP_SORTS.parse(request.args.get(queries.TAB_SORT))
    page, member_counts = queries.user_groups_page(manager, page_number(request.args.get("page")), sort)
    context: dict[str, Any] = pane.list_context(manager.id)
    context.update(tab_page=page, tab_sort=sort, member_counts=member_counts, choices=profile.group_choices(manager))
    return render(
        f"{T}user_groups.html",
        "tab",
        status=status,
        manager=manager,
        tabs=TABS,
        current_tab="user_groups",
        add_form=form or AddUserGroupForm(formdata=None),
        **context,
    )


@bp.post("/license-managers/<int:manager_id>/user-groups")
def add_user_group(manager_id: int) -> Response:
    """Let the manager manage one more user group."""
    manager = load_manager(manager_id)
    form = AddUserGroupForm()
    group = submit(form, lambda: profile.add_user_group(manager, form.user_group.data, actor=actor()))
    if group is None:
        return _groups_tab(manager, form, 422)
    return _group_changed(manager, f"{manager.license_user.email} now manages the group {group.name}.")


@bp.route("/license-managers/<int:manager_id>/user-groups/<int:group_id>/remove", methods=["GET", "POST"])
def remove_user_group(manager_id: int, group_id: int) -> Response:
    """Stop the manager managing one user group (GET: ask first)."""
    manager = load_manager(manager_id)
    group = profile.managed_group(manager, group_id) or abort(404)
    email = manager.license_user.email
    if request.method == "GET":
        question = "They no longer see or manage the group. Its members stay in it."
        cancel = url_for("vendor.license_managers.user_groups", manager_id=manager.id)
        return _confirm(manager, f"Remove the group {group.name} from {email}?", question, "Remove group", cancel)
    profile.remove_user_group(manager, group, actor=actor())
    return _group_changed(manager, f"{email} no longer manages the group {group.name}.")


def _group_changed(manager: LicenseManager, message: str) -> Response:
    db.session.commit()
    flash(message, "success")
    if not is_htmx():
        return redirect(url_for("vendor.license_managers.user_groups", manager_id=manager.id), code=303)  # type: ignore[return-value]
    return trigger(_groups_tab(manager), CHANGED)


def _confirm(manager: LicenseManager, title: str, question: str, button: str, cancel_url: str) -> Response:
    """The confirmation page a destructive action shows without JavaScript; its form posts here."""
    return render(
        f"{T}confirm.html",
        "confirm",
        manager=manager,
        title=title,
        question=question,
        button=button,
        action=request.path,
        cancel_url=cancel_url,
    )


@bp.route("/license-managers/<int:manager_id>/remove-role", methods=["GET", "POST"])
def remove_role(manager_id: int) -> Response:
    """Take the manager role away; the license user stays with their seats (GET: ask first)."""
    manager = load_manager(manager_id)
    email = manager.license_user.email
    if request.method == "GET":
        question = (
            "They can no longer sign in to the End User Portal and lose their orders, permissions and scope. "
            "As a license user they keep their seats, devices and group memberships."
        )
        cancel = url_for("vendor.license_managers.detail", manager_id=manager.id)
        return _confirm(manager, f"Take the manager role from {email}?", question, "Remove manager role", cancel)
    profile.remove_role(manager, actor=actor())
    db.session.commit()
    flash(f"{email} is no longer a license manager; they stay a license user with their seats.", "success")
    return trigger(redirect_to("/vendor/license-managers"), CHANGED)
