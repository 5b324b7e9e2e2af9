"""End User Portal: user groups the manager manages, and their members."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _

from portal import access, scope
from portal.extensions import db
from portal.forms import submit
from portal.forms.user_groups import MemberForm, RenameUserGroupForm, UserGroupForm
from portal.htmx import redirect_to, render, wants_fragment
from portal.lists import page_number, paginate
from portal.models import UserGroup
from portal.services.user_groups import actions, queries
from portal.views.end_user._confirm import confirm

bp = Blueprint("user_groups", __name__)


def render_index(status: int = 200, form: UserGroupForm | None = None) -> Response:
    """The groups page, or one of its regions: the results, or the create form when one is given."""
    q = (request.args.get("q") or "").strip()[:200]
    sort = queries.GROUP_SORTS.parse(request.args.get("sort"))
    page = paginate(
        queries.groups_query(scope.managed_group_ids(access.manager().id), q, sort),
        page_number(request.args.get("page")),
        args=({"q": q} if q else {}) | queries.GROUP_SORTS.args(sort),
    )
    counts = queries.member_counts([group.id for group in page.items])
    return render(
        "end_user/user_groups/index.html",
        "create" if form is not None else "results",
        status=status,
        page=page,
        q=q,
        sort=sort,
        counts=counts,
        form=form or UserGroupForm(formdata=None),
    )


def render_group(group: UserGroup, status: int = 200, **forms: Any) -> Response:
    """The group's page, or its region alone for an htmx swap."""
    sort = queries.MEMBER_SORTS.parse(request.args.get("sort"))
    members = paginate(
        queries.members_query(group, sort),
        page_number(request.args.get("page")),
        args=queries.MEMBER_SORTS.args(sort),
    )
    forms.setdefault("rename_form", RenameUserGroupForm(formdata=None, obj=group))
    forms.setdefault("member_form", MemberForm(formdata=None))
    return render(
        "end_user/user_groups/detail.html", "group", status=status, group=group, members=members, sort=sort, **forms
    )


def after_action(group: UserGroup) -> Response:
    if wants_fragment():
        return render_group(group)
    return redirect_to(url_for(".detail", group_id=group.id))


@bp.get("/user-groups")
def index() -> Response:
    """List the groups the manager manages, with their member counts."""
    return render_index()


@bp.post("/user-groups")
def create() -> Response:
    """Create a group in the manager's organisation; its creator manages it."""
    access.require("manage_user_groups")
    form = UserGroupForm()
    group = submit(
        form,
        lambda: actions.create(
            form.name.data or "",
            form.code.data or "",
            form.description.data or "",
            manager=access.manager(),
            actor=access.actor(),
        ),
    )
    if group is None:
        return render_index(422, form)
    db.session.commit()
    flash(_("Group %(name)s created.", name=group.name), "success")
    return redirect_to(url_for(".detail", group_id=group.id))


@bp.get("/user-groups/<int:group_id>")
def detail(group_id: int) -> Response:
    """Show a group: its name, description and members."""
    return render_group(access.load_user_group(group_id))


@bp.post("/user-groups/<int:group_id>")
def rename(group_id: int) -> Response:
    """Rename a group and change its description."""
    group = access.load_user_group(group_id)
    access.require("manage_user_groups")
    form = RenameUserGroupForm()
    renamed = submit(
        form, lambda: actions.rename(group, form.name.data or "", form.description.data or "", actor=access.actor())
    )
    if renamed is None:
        return render_group(group, 422, rename_form=form)
    db.session.commit()
    flash(_("Group saved."), "success")
    return after_action(group)


@bp.post("/user-groups/<int:group_id>/members")
def add_member(group_id: int) -> Response:
    """Add a member by email, creating the license user when the email is unknown."""
    group = access.load_user_group(group_id)
    access.require("manage_user_groups")
    form = MemberForm()
    user = submit(
        form,
        lambda: actions.add_member(
            group,
            form.email.data or "",
            form.first_name.data or "",
            form.last_name.data or "",
            manager=access.manager(),
            actor=access.actor(),
        ),
    )
    if user is None:
        return render_group(group, 422, member_form=form)
    db.session.commit()
    flash(_("%(email)s added to the group.", email=user.email), "success")
    return after_action(group)


@bp.route("/user-groups/<int:group_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
def remove_member(group_id: int, user_id: int) -> Response:
    """Take a member out of the group."""
    group = access.load_user_group(group_id)
    user = queries.load_member(group, user_id)
    if user is None:
        abort(404)
    access.require("manage_user_groups")
    if request.method == "GET":
        question = _("Remove %(email)s from %(group)s?", email=user.email, group=group.name)
        return confirm(question, request.path, _("Remove"), url_for(".detail", group_id=group.id))
    actions.remove_member(group, user, actor=access.actor())
    db.session.commit()
    flash(_("%(email)s removed from the group.", email=user.email), "success")
    return after_action(group)
