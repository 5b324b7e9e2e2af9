"""End User Portal: the license users in the manager's scope, and their passwords."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal import access, i18n
from portal.extensions import db
from portal.forms import submit
from portal.forms.users import SetUserPasswordForm
from portal.htmx import redirect_to, render, target_id, wants_fragment
from portal.lists import page_number, paginate
from portal.models import LicenseUser
from portal.services.users import actions, queries

bp = Blueprint("users", __name__)

DETAIL = "end_user/users/detail.html"


@bp.get("/users")
def index() -> Response:
    """List the license users the manager may see, searched by email or name."""
    me = access.manager()
    q = (request.args.get("q") or "").strip()[:200]
    sorts = queries.user_sorts(me.id)
    sort = sorts.parse(request.args.get("sort"))
    stmt = queries.users_query(me, q, sort)
    args = ({"q": q} if q else {}) | sorts.args(sort)
    page = paginate(stmt, page_number(request.args.get("page")), scalars=False, args=args)
    counts = queries.license_counts([user.id for user, _ in page.items], me.id)
    return render("end_user/users/index.html", "results", page=page, q=q, sort=sort, counts=counts)


def render_user(
    user: LicenseUser, status: int = 200, form: SetUserPasswordForm | None = None, generated: str | None = None
) -> Response:
    """The user's page, or its password region alone for an htmx swap."""
    me = access.manager()
    sort = queries.LICENSE_SORTS.parse(request.args.get("sort"))
    licenses = paginate(
        queries.licenses_of(user, me.id, sort),
        page_number(request.args.get("page")),
        options=queries.LICENSE_OPTIONS,
        args=queries.LICENSE_SORTS.args(sort),
    )
    # The licenses' sort and pager swap their own region; the password forms theirs.
    block = "licenses" if target_id() == "user-licenses" else "password"
    response = render(
        DETAIL,
        block,
        status=status,
        user=user,
        licenses=licenses,
        sort=sort,
        form=form or SetUserPasswordForm(formdata=None),
        generated=generated,
        refusal=i18n.translate(actions.refusal(user, me) or ""),
    )
    if generated:
        response.headers["Cache-Control"] = "no-store"  # the password is shown this once
    return response


@bp.get("/users/<int:user_id>")
def detail(user_id: int) -> Response:
    """Show a license user: their licenses here, and the password form."""
    return render_user(access.load_license_user(user_id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def password(user_id: int) -> Response:
    """Set a license user's password, or generate one and show it once."""
    user = access.load_license_user(user_id)
    access.require("manage_license_user_credentials")
    if request.method == "GET":
        return render_user(user)
    me = access.manager()
    refusal = actions.refusal(user, me)
    if refusal:
        abort(403, description=i18n.translate(refusal))
    form = SetUserPasswordForm()
    chosen = form.password.data or None
    generated = submit(form, lambda: actions.set_password(user, chosen, manager=me, actor=access.actor()))
    if generated is None:
        return render_user(user, 422, form)
    if user.id == me.license_user_id:
        # Their other sessions ended with the old session version; this one goes on with the new.
        login_user(current_user._get_current_object())
    db.session.commit()
    flash(_("Password set."), "success")
    if chosen is None:
        return render_user(user, generated=generated)
    if wants_fragment():
        return render_user(user)
    return redirect_to(url_for(".detail", user_id=user.id))
