"""End User Portal: the license users in the manager's scope, and their passwords."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, request, url_for

from portal import access, scope
from portal.access import require_side
from portal.extensions import db
from portal.forms.users import SetUserPasswordForm
from portal.htmx import redirect_to, render, wants_fragment
from portal.identity import MANAGER
from portal.lists import contains, page_number, paginate
from portal.models import License, LicenseAssignment, LicenseManager, LicenseUser
from portal.services import credentials

bp = Blueprint("portal_users", __name__, url_prefix="/portal")
require_side(bp, MANAGER)


@bp.get("/users")
def index() -> Response:
    """List the license users the manager may see, searched by email or name."""
    q = (request.args.get("q") or "").strip()[:200]
    stmt = (
        sa.select(LicenseUser, LicenseManager.id)
        .outerjoin(LicenseManager, LicenseManager.license_user_id == LicenseUser.id)
        .where(LicenseUser.id.in_(scope.license_user_ids(access.manager())))
    )
    if q:
        stmt = stmt.where(
            sa.or_(
                contains(LicenseUser.email, q), contains(LicenseUser.first_name, q), contains(LicenseUser.last_name, q)
            )
        )
    stmt = stmt.order_by(LicenseUser.email, LicenseUser.id)
    page = paginate(stmt, page_number(request.args.get("page")), scalars=False, args={"q": q} if q else {})
    counts = _license_counts([user.id for user, _ in page.items])
    return render("portal/users/index.html", "results", page=page, q=q, counts=counts)


def _license_counts(user_ids: list[int]) -> dict[int, int]:
    """Licenses of the manager's orders per user, for one page of users: one GROUP BY."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(LicenseAssignment.license_user_id, sa.func.count())
        .join(License, License.id == LicenseAssignment.license_id)
        .where(
            LicenseAssignment.license_user_id.in_(user_ids),
            License.order_id.in_(scope.managed_order_ids(access.manager().id)),
        )
        .group_by(LicenseAssignment.license_user_id)
    )
    return dict(rows.tuples().all())


def render_user(
    user: LicenseUser, status: int = 200, form: SetUserPasswordForm | None = None, generated: str | None = None
) -> Response:
    licenses = list(
        db.session.scalars(
            sa.select(License)
            .join(LicenseAssignment, LicenseAssignment.license_id == License.id)
            .where(
                LicenseAssignment.license_user_id == user.id,
                License.order_id.in_(scope.managed_order_ids(access.manager().id)),
            )
            .order_by(License.created_at.desc())
            .limit(50)
        )
    )
    response = render(
        "portal/users/detail.html",
        "password",
        status=status,
        user=user,
        licenses=licenses,
        form=form or SetUserPasswordForm(formdata=None),
        generated=generated,
        refusal=credentials.refusal(user, access.manager()),
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
    refusal = credentials.refusal(user, access.manager())
    if refusal:
        abort(403, description=refusal)
    form = SetUserPasswordForm()
    if not form.validate():
        return render_user(user, 422, form)
    chosen = form.password.data or None
    generated = credentials.set_password(user, chosen, access.manager())
    db.session.commit()
    flash("Password set.", "success")
    if chosen is None:
        return render_user(user, generated=generated)
    if wants_fragment():
        return render_user(user)
    return redirect_to(url_for(".detail", user_id=user.id))
